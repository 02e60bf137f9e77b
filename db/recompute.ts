import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import type { RecomputeRow } from "./ingest";

export type ClaimedRequest = RecomputeRow & { attempts: number };

type Row = {
  id: string;
  site_id: string;
  entity_type: RecomputeRow["entityType"];
  entity_id: string;
  window_start: Date | string;
  window_end: Date | string;
  attempts: number;
};

const toClaimed = (r: Row): ClaimedRequest => ({
  id: Number(r.id),
  siteId: r.site_id,
  entityType: r.entity_type,
  entityId: r.entity_id,
  windowStart: new Date(r.window_start),
  windowEnd: new Date(r.window_end),
  attempts: r.attempts,
});

/** Moves the requests the selection names (ids) to `processing`, skipping rows another claim holds. */
async function claim(db: Database, selection: SQL): Promise<ClaimedRequest[]> {
  const { rows } = await db.execute<Row>(sql`
    with c as (${selection} for update skip locked)
    update recompute_requests r
    set status = 'processing', attempts = r.attempts + 1, updated_at = now()
    from c where r.id = c.id
    returning r.id, r.site_id, r.entity_type, r.entity_id, r.window_start, r.window_end, r.attempts
  `);
  return rows.map(toClaimed);
}

/**
 * A claim older than this is taken as abandoned (its consumer died: a recompute takes seconds), so
 * a redelivered message may take its requests over. Rebuilds are idempotent, so even a slow but
 * live consumer being overtaken cannot count anything twice.
 */
export const CLAIM_LEASE_SECONDS = 120;

/**
 * Claims the given requests that are pending, or processing under an abandoned claim. SKIP LOCKED
 * lets two consumers (a queue delivery and the cron sweep) race safely: each request is claimed by
 * exactly one of them. `busy` lists the requests another consumer claimed within the lease.
 */
export async function claimRequests(db: Database, ids: number[]): Promise<{ claimed: ClaimedRequest[]; busy: number[] }> {
  if (ids.length === 0) return { claimed: [], busy: [] };
  const claimed = await claim(
    db,
    sql`select id from recompute_requests
        where id = any(${sql.param(ids)}::bigint[])
          and (status = 'pending'
               or (status = 'processing' and updated_at < now() - make_interval(secs => ${CLAIM_LEASE_SECONDS})))
        order by id`,
  );
  const taken = new Set(claimed.map((r) => r.id));
  const { rows } = await db.execute<{ id: string }>(sql`
    select id from recompute_requests where id = any(${sql.param(ids)}::bigint[]) and status = 'processing'
  `);
  return { claimed, busy: rows.map((r) => Number(r.id)).filter((id) => !taken.has(id)) };
}

/**
 * Claims requests the queue did not deliver (pending for a while) or whose consumer died
 * (processing for too long), oldest first.
 */
export async function claimStale(
  db: Database,
  opts: { pendingSeconds: number; processingSeconds: number; limit: number; siteId?: string },
): Promise<ClaimedRequest[]> {
  return claim(
    db,
    sql`select id from recompute_requests
        where ((status = 'pending' and updated_at <= now() - make_interval(secs => ${opts.pendingSeconds}))
            or (status = 'processing' and updated_at < now() - make_interval(secs => ${opts.processingSeconds})))
          and (${opts.siteId ?? null}::text is null or site_id = ${opts.siteId ?? null}::text)
        order by id
        limit ${opts.limit}`,
  );
}

export async function completeRequests(db: Database, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
    update recompute_requests set status = 'done', error = null, updated_at = now()
    where id = any(${sql.param(ids)}::bigint[]) and status = 'processing'
  `);
}

/**
 * Returns failed requests to `pending` for another try, or to `failed` after maxAttempts. When a
 * newer pending request for the same entity and window exists, that one carries the work and this
 * one is closed as `done` (the pending key is unique).
 */
export async function failRequests(
  db: Database,
  ids: number[],
  error: string,
  maxAttempts: number,
): Promise<{ id: number; status: string; attempts: number }[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.execute<{ id: string; status: string; attempts: number }>(sql`
    update recompute_requests r
    set status = case
          when r.attempts >= ${maxAttempts} then 'failed'
          when exists (
            select 1 from recompute_requests o
            where o.status = 'pending' and o.id <> r.id and o.site_id = r.site_id and o.entity_type = r.entity_type
              and o.entity_id = r.entity_id and o.window_start = r.window_start and o.window_end = r.window_end
          ) then 'done'
          else 'pending' end,
        error = ${error.slice(0, 2000)},
        updated_at = now()
    where r.id = any(${sql.param(ids)}::bigint[]) and r.status = 'processing'
    returning r.id, r.status, r.attempts
  `);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function requestStatuses(db: Database, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.execute<{ id: string; status: string }>(
    sql`select id, status from recompute_requests where id = any(${sql.param(ids)}::bigint[])`,
  );
  return new Map(rows.map((r) => [Number(r.id), r.status]));
}
