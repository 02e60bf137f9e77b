// Read-only API keys of one site, for integrations and BI tools. Only the key's SHA-256 is stored.
import { sql } from "drizzle-orm";
import type { ReadKey } from "../../contract/auth";
import { auditFrom, type AuditActor } from "../audit";
import type { Database } from "../client";
import { isoUtc } from "../sql-time";

const keyJson = sql`json_build_object(
  'id', k.key_id, 'site_id', k.site_id, 'name', k.name, 'worker_detail', k.worker_detail,
  'created_at', ${isoUtc(sql`k.created_at`)},
  'revoked_at', case when k.revoked_at is null then null else ${isoUtc(sql`k.revoked_at`)} end)`;

/** Undefined when the site does not exist. */
export async function createReadKey(
  db: Database,
  siteId: string,
  key: { name: string; workerDetail: boolean; keyHash: string },
  who: AuditActor,
): Promise<ReadKey | undefined> {
  const { rows } = await db.execute<{ key: ReadKey }>(sql`
    with k as (
      insert into read_keys (site_id, name, key_hash, worker_detail, created_by)
      select site_id, ${key.name}, ${key.keyHash}, ${key.workerDetail}, ${who.actor} from sites where site_id = ${siteId}
      returning *
    ),
    entry as (select site_id, jsonb_build_object('key_id', key_id, 'name', name, 'worker_detail', worker_detail) as details from k),
    audited as (${auditFrom(who, "read_key_created", "entry")})
    select ${keyJson} as key from k`);
  return rows[0]?.key;
}

export async function listReadKeys(db: Database, siteId: string): Promise<ReadKey[]> {
  const { rows } = await db.execute<{ key: ReadKey }>(sql`
    select ${keyJson} as key from read_keys k where k.site_id = ${siteId} order by k.created_at, k.key_id`);
  return rows.map((r) => r.key);
}

/** Revokes the key from the commit on; revoking again keeps the first time. Undefined if unknown. */
export async function revokeReadKey(db: Database, siteId: string, keyId: string, who: AuditActor): Promise<ReadKey | undefined> {
  const { rows } = await db.execute<{ key: ReadKey }>(sql`
    with k as (
      update read_keys set revoked_at = coalesce(revoked_at, now())
       where site_id = ${siteId} and key_id = ${keyId}
      returning *
    ),
    entry as (select site_id, jsonb_build_object('key_id', key_id, 'name', name) as details from k),
    audited as (${auditFrom(who, "read_key_revoked", "entry")})
    select ${keyJson} as key from k`);
  return rows[0]?.key;
}
