import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { isoUtc } from "./sql-time";
import type { AuditEntry, auditActions } from "../contract/sites";

export type AuditAction = (typeof auditActions)[number];

/** Who acted, the request that did it (its X-Request-Id), and the client address it came from. */
export type AuditActor = { actor: string; requestId?: string; ip?: string };

/**
 * An INSERT of one audit row per row of the CTE `source`, which selects `site_id` and `details`
 * (jsonb). Used as a data-modifying CTE in the statement that makes the change, so the change and
 * its record commit together, in one round trip.
 */
export function auditFrom(who: AuditActor, action: AuditAction, source: string): SQL {
  return sql`
    insert into admin_audit_log (actor, action, site_id, request_id, details, ip)
    select ${who.actor}, ${action}, site_id, ${who.requestId ?? null}::text, details, ${who.ip ?? null}::text
      from ${sql.identifier(source)}`;
}

/** Records one entry on its own (for what changes nothing else: a login, a failed one, an export). */
export async function recordAudit(
  db: Database,
  who: AuditActor,
  action: AuditAction,
  siteId: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.execute(sql`
    insert into admin_audit_log (actor, action, site_id, request_id, details, ip)
    values (${who.actor}, ${action}, ${siteId}, ${who.requestId ?? null}, ${JSON.stringify(details)}::jsonb, ${who.ip ?? null})`);
}

const entryJson = (a: string) => sql`json_build_object(
  'id', ${sql.raw(a)}.id, 'at', ${isoUtc(sql.raw(`${a}.at`))}, 'actor', ${sql.raw(a)}.actor, 'action', ${sql.raw(a)}.action,
  'site_id', ${sql.raw(a)}.site_id, 'request_id', ${sql.raw(a)}.request_id, 'details', ${sql.raw(a)}.details, 'ip', ${sql.raw(a)}.ip)`;

/** The whole log (the owner's view), newest first, paged by id; optionally one site or one action. */
export async function listAuditLog(
  db: Database,
  filter: { limit: number; beforeId?: number; siteId?: string; action?: string },
): Promise<AuditEntry[]> {
  const { rows } = await db.execute<{ entry: AuditEntry }>(sql`
    select ${entryJson("a")} as entry from admin_audit_log a
     where true
       ${filter.beforeId !== undefined ? sql`and a.id < ${filter.beforeId}` : sql``}
       ${filter.siteId !== undefined ? sql`and a.site_id = ${filter.siteId}` : sql``}
       ${filter.action !== undefined ? sql`and a.action = ${filter.action}` : sql``}
     order by a.id desc
     limit ${filter.limit}`);
  return rows.map((r) => ({ ...r.entry, id: Number(r.entry.id) }));
}

/** Deletes entries older than the retention; answers how many. */
export async function purgeAuditLog(db: Database, retentionDays: number): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with gone as (delete from admin_audit_log where at < now() - make_interval(days => ${retentionDays}) returning 1)
    select count(*)::int as n from gone`);
  return rows[0].n;
}

/**
 * A site's latest `limit` entries, newest first. The log outlives the site, so this works after a
 * deletion; `siteKnown` is false when neither the site nor any entry of it exists.
 */
export async function listAudit(
  db: Database,
  siteId: string,
  limit: number,
): Promise<{ siteKnown: boolean; entries: AuditEntry[] }> {
  const { rows } = await db.execute<{ known: boolean; entries: AuditEntry[] | null }>(sql`
    select exists (select 1 from sites where site_id = ${siteId})
             or exists (select 1 from admin_audit_log where site_id = ${siteId}) as known,
           (select json_agg(${entryJson("a")} order by a.at desc, a.id desc)
              from (select * from admin_audit_log
                    where site_id = ${siteId}
                    order by at desc, id desc
                    limit ${limit}) a) as entries
  `);
  const row = rows[0];
  return { siteKnown: row.known, entries: (row.entries ?? []).map((e) => ({ ...e, id: Number(e.id) })) };
}
