import { eq, sql } from "drizzle-orm";
import type { SiteSettings } from "../contract/sites";
import { auditFrom, type AuditActor } from "./audit";
import { isoUtc } from "./sql-time";
import type { Database } from "./client";
import { sites } from "./schema";

export type NewSite = {
  siteId: string;
  name: string;
  timeZone: string;
  maxStateSeconds?: number;
  /** ISO 8601; the column's default (a year before now) when absent. */
  historyStart?: string;
};

/**
 * Creates the site unless it exists; returns whether this call created it. With `who`, the creation
 * is recorded in admin_audit_log by the same statement.
 */
export async function createSite(db: Database, site: NewSite, apiKeyHash: string, who?: AuditActor): Promise<boolean> {
  const orDefault = (v: unknown, cast: string) => (v === undefined ? sql`default` : sql`${v}::${sql.raw(cast)}`);
  const { rows } = await db.execute<{ site_id: string }>(sql`
    with created as (
      insert into sites (site_id, name, time_zone, api_key_hash, max_state_seconds, history_start)
      values (${site.siteId}, ${site.name}, ${site.timeZone}, ${apiKeyHash},
              ${orDefault(site.maxStateSeconds, "integer")}, ${orDefault(site.historyStart, "timestamptz")})
      on conflict (site_id) do nothing
      returning site_id, jsonb_build_object('name', name, 'time_zone', time_zone, 'max_state_seconds', max_state_seconds,
                                            'history_start', ${isoUtc(sql`history_start`)}) as details
    )${who ? sql`, audited as (${auditFrom(who, "site_created", "created")})` : sql``}
    select site_id from created
  `);
  return rows.length > 0;
}

export async function getSite(db: Database, siteId: string) {
  const [row] = await db.select().from(sites).where(eq(sites.siteId, siteId));
  return row;
}

/** Gives the site a new key hash and lifts a revocation; false for an unknown site. */
export async function rotateSiteKey(db: Database, siteId: string, apiKeyHash: string, who?: AuditActor): Promise<boolean> {
  const { rows } = await db.execute<{ site_id: string }>(sql`
    with prev as (select site_id, revoked_at from sites where site_id = ${siteId} for update),
    rotated as (
      update sites s set api_key_hash = ${apiKeyHash}, revoked_at = null
      from prev where s.site_id = prev.site_id
      returning s.site_id, jsonb_build_object('was_revoked', prev.revoked_at is not null) as details
    )${who ? sql`, audited as (${auditFrom(who, "key_rotated", "rotated")})` : sql``}
    select site_id from rotated
  `);
  return rows.length > 0;
}

/**
 * Revokes the site's key: ingest and site-key reads refuse it from the commit on (both look the key
 * up with `revoked_at is null`). Revoking again keeps the first revocation time. Undefined for an
 * unknown site.
 */
export async function revokeSiteKey(
  db: Database,
  siteId: string,
  who: AuditActor,
): Promise<{ revokedAt: string; alreadyRevoked: boolean } | undefined> {
  const { rows } = await db.execute<{ revoked_at: string; already_revoked: boolean }>(sql`
    with prev as (select site_id, revoked_at from sites where site_id = ${siteId} for update),
    revoked as (
      update sites s set revoked_at = coalesce(prev.revoked_at, now())
      from prev where s.site_id = prev.site_id
      returning s.site_id, s.revoked_at, prev.revoked_at is not null as already_revoked,
                jsonb_build_object('already_revoked', prev.revoked_at is not null) as details
    ),
    audited as (${auditFrom(who, "key_revoked", "revoked")})
    select ${isoUtc(sql`revoked_at`)} as revoked_at, already_revoked from revoked
  `);
  const row = rows[0];
  return row && { revokedAt: row.revoked_at, alreadyRevoked: row.already_revoked };
}

/**
 * Changes a site's name and/or history_start; the change (from and to, only fields whose value
 * changed) is recorded in the same statement. Undefined for an unknown site.
 */
export async function updateSiteSettings(
  db: Database,
  siteId: string,
  changes: { name?: string; historyStart?: string },
  who: AuditActor,
): Promise<SiteSettings | undefined> {
  const { rows } = await db.execute<SiteSettings>(sql`
    with prev as (select site_id, name, history_start from sites where site_id = ${siteId} for update),
    updated as (
      update sites s set name = coalesce(${changes.name ?? null}::text, s.name),
                         history_start = coalesce(${changes.historyStart ?? null}::timestamptz, s.history_start)
      from prev where s.site_id = prev.site_id
      returning s.site_id, s.name, s.time_zone, s.max_state_seconds, s.history_start, s.revoked_at is not null as revoked,
                jsonb_strip_nulls(jsonb_build_object(
                  'name', case when s.name is distinct from prev.name
                            then jsonb_build_object('from', prev.name, 'to', s.name) end,
                  'history_start', case when s.history_start is distinct from prev.history_start
                            then jsonb_build_object('from', ${isoUtc(sql`prev.history_start`)}, 'to', ${isoUtc(sql`s.history_start`)}) end
                )) as changes
    ),
    changed as (select site_id, jsonb_build_object('changes', changes) as details from updated where changes <> '{}'::jsonb),
    audited as (${auditFrom(who, "settings_changed", "changed")})
    select site_id, name, time_zone, max_state_seconds, ${isoUtc(sql`history_start`)} as history_start, revoked, changes
    from updated
  `);
  return rows[0];
}

/** Every table holding a site's rows, besides `sites` itself (db/schema.ts). */
export const SITE_DATA_TABLES = [
  "events",
  "workers",
  "workstations",
  "event_streams",
  "ingestion_log",
  "recompute_requests",
  "metrics_cache",
  "worker_hour_rollups",
  "workstation_hour_rollups",
  "rollup_state",
  // Who may read the site: grants to users and read keys end with it.
  "user_sites",
  "read_keys",
] as const;

export type DeletedRows = Record<(typeof SITE_DATA_TABLES)[number] | "sites", number>;

/**
 * Deletes the site and all its rows in one transaction, recorded (with the counts) in the audit log,
 * which keeps the record. Undefined for an unknown site.
 *
 * The site row is taken FOR UPDATE first, in a statement of its own: an ingest batch holds it FOR
 * SHARE in its single statement, so a batch under way commits before the lock is granted, and the
 * deleting statement, whose snapshot is taken after that, sees (and deletes) its rows. A batch that
 * comes later waits for the lock, then finds no site for its key and stores nothing (401). The
 * rollup builder takes the same row FOR UPDATE. The connection is one client, so BEGIN/COMMIT wrap
 * exactly these statements.
 */
export async function deleteSite(db: Database, siteId: string, who: AuditActor): Promise<DeletedRows | undefined> {
  await db.execute(sql`begin`);
  try {
    const { rows: locked } = await db.execute(sql`select site_id from sites where site_id = ${siteId} for update`);
    if (locked.length === 0) {
      await db.execute(sql`rollback`);
      return undefined;
    }
    const tables = [...SITE_DATA_TABLES, "sites"] as const;
    const cte = (t: string) => sql.identifier(`deleted_${t}`);
    const { rows } = await db.execute<{ deleted: DeletedRows }>(sql`
      with ${sql.join(
        tables.map((t) => sql`${cte(t)} as (delete from ${sql.identifier(t)} where site_id = ${siteId} returning 1)`),
        sql`, `,
      )},
      counts as (
        select ${siteId}::text as site_id,
               jsonb_build_object('deleted', jsonb_build_object(${sql.join(
                 tables.map((t) => sql`${t}::text, (select count(*) from ${cte(t)})`),
                 sql`, `,
               )})) as details
      ),
      audited as (${auditFrom(who, "site_deleted", "counts")})
      select details->'deleted' as deleted from counts
    `);
    await db.execute(sql`commit`);
    return rows[0].deleted;
  } catch (err) {
    await db.execute(sql`rollback`).catch(() => {});
    throw err;
  }
}

export async function listSites(db: Database) {
  return db
    .select({
      siteId: sites.siteId,
      name: sites.name,
      timeZone: sites.timeZone,
      maxStateSeconds: sites.maxStateSeconds,
      createdAt: sites.createdAt,
      revoked: sql<boolean>`${sites.revokedAt} is not null`,
      historyStart: sites.historyStart,
    })
    .from(sites)
    .orderBy(sites.siteId);
}

/** The active site a key belongs to, if any. */
export async function siteForKey(db: Database, apiKeyHash: string) {
  const [row] = await db
    .select()
    .from(sites)
    .where(sql`${sites.apiKeyHash} = ${apiKeyHash} and ${sites.revokedAt} is null`);
  return row;
}
