import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { isoUtc } from "./sql-time";
import type { AuditEntry, auditActions } from "../contract/sites";

export type AuditAction = (typeof auditActions)[number];

/** Who acted, and the request that did it (its X-Request-Id). */
export type AuditActor = { actor: string; requestId?: string };

/**
 * An INSERT of one audit row per row of the CTE `source`, which selects `site_id` and `details`
 * (jsonb). Used as a data-modifying CTE in the statement that makes the change, so the change and
 * its record commit together, in one round trip.
 */
export function auditFrom(who: AuditActor, action: AuditAction, source: string): SQL {
  return sql`
    insert into admin_audit_log (actor, action, site_id, request_id, details)
    select ${who.actor}, ${action}, site_id, ${who.requestId ?? null}::text, details from ${sql.identifier(source)}`;
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
           (select json_agg(json_build_object(
                      'id', a.id, 'at', ${isoUtc(sql`a.at`)}, 'actor', a.actor, 'action', a.action,
                      'site_id', a.site_id, 'request_id', a.request_id, 'details', a.details)
                    order by a.at desc, a.id desc)
              from (select * from admin_audit_log
                    where site_id = ${siteId}
                    order by at desc, id desc
                    limit ${limit}) a) as entries
  `);
  const row = rows[0];
  return { siteKnown: row.known, entries: (row.entries ?? []).map((e) => ({ ...e, id: Number(e.id) })) };
}
