import { sql, type SQL } from "drizzle-orm";
import { driverError, type Database } from "./client";
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
 * exactly one of them. `busy` lists the requests another consumer claimed within the lease, `locked`
 * those still pending that a concurrent ingest held (they are worth another try in a moment).
 */
export async function claimRequests(
  db: Database,
  ids: number[],
): Promise<{ claimed: ClaimedRequest[]; busy: number[]; locked: number[] }> {
  if (ids.length === 0) return { claimed: [], busy: [], locked: [] };
  const claimed = await claim(
    db,
    sql`select id from recompute_requests
        where id = any(${sql.param(ids)}::bigint[])
          and (status = 'pending'
               or (status = 'processing' and updated_at < now() - make_interval(secs => ${CLAIM_LEASE_SECONDS})))
        order by id`,
  );
  const taken = new Set(claimed.map((r) => r.id));
  const { rows } = await db.execute<{ id: string; status: string }>(sql`
    select id, status from recompute_requests where id = any(${sql.param(ids)}::bigint[]) and status in ('pending', 'processing')
  `);
  const open = rows.map((r) => ({ id: Number(r.id), status: r.status })).filter((r) => !taken.has(r.id));
  return {
    claimed,
    busy: open.filter((r) => r.status === "processing").map((r) => r.id),
    // Still pending but skipped: an ingest batch held the row for a moment while widening it.
    locked: open.filter((r) => r.status === "pending").map((r) => r.id),
  };
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
 * Returns failed requests to `pending` for another try, or to `failed` after maxAttempts. An entity
 * has at most one pending request (the coalescing key): when one is pending, the failed windows are
 * merged into it and the failed requests closed as `done`; otherwise the oldest failed request of
 * the entity carries the merged window and the others are closed.
 */
export async function failRequests(
  db: Database,
  ids: number[],
  error: string,
  maxAttempts: number,
): Promise<{ id: number; status: string; attempts: number }[]> {
  if (ids.length === 0) return [];
  try {
    return await failRequestsOnce(db, ids, error, maxAttempts);
  } catch (err) {
    // An ingest batch made a pending request for one of the entities after this statement's
    // snapshot: once more, now seeing it.
    if ((driverError(err) as { code?: string })?.code !== "23505") throw err;
    return failRequestsOnce(db, ids, error, maxAttempts);
  }
}

async function failRequestsOnce(db: Database, ids: number[], error: string, maxAttempts: number) {
  const { rows } = await db.execute<{ id: string; status: string; attempts: number }>(sql`
    with t as (
      select r.id, r.site_id, r.entity_type, r.entity_id, r.window_start, r.window_end, r.attempts,
             (select o.id from recompute_requests o
               where o.status = 'pending' and o.site_id = r.site_id and o.entity_type = r.entity_type
                 and o.entity_id = r.entity_id) as pending_id
      from recompute_requests r
      where r.id = any(${sql.param(ids)}::bigint[]) and r.status = 'processing'
      for update of r
    ),
    keep as (
      select site_id, entity_type, entity_id, min(pending_id) as pending_id, min(id) as first_id,
             min(window_start) as window_start, max(window_end) as window_end
      from t where attempts < ${maxAttempts}
      group by 1, 2, 3
    ),
    -- The update re-reads the row: one a consumer claimed meanwhile is not widened (and not listed).
    widened as (
      update recompute_requests o
      set window_start = least(o.window_start, k.window_start), window_end = greatest(o.window_end, k.window_end)
      from keep k where o.id = k.pending_id and o.status = 'pending'
      returning o.id
    ),
    carrier as (
      select k.*, case when k.pending_id in (select id from widened) then k.pending_id else k.first_id end as carrier_id
      from keep k
    )
    update recompute_requests r
    set status = case
          when t.attempts >= ${maxAttempts} then 'failed'
          when c.carrier_id = r.id then 'pending'
          else 'done' end,
        window_start = case when c.carrier_id = r.id then c.window_start else r.window_start end,
        window_end = case when c.carrier_id = r.id then c.window_end else r.window_end end,
        error = ${error.slice(0, 2000)},
        updated_at = now()
    from t
    left join carrier c on c.site_id = t.site_id and c.entity_type = t.entity_type and c.entity_id = t.entity_id
    where r.id = t.id
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
