import { connect, driverError } from "../../db/client";
import { CLAIM_LEASE_SECONDS, claimRequests } from "../../db/recompute";
import type { Bindings } from "../env";
import { applyClaimed, retryDelaySeconds } from "./apply";
import { recomputeMessageSchema } from "./message";

// A pending request an ingest batch was widening when this consumer came: shortly free again.
const LOCKED_RETRY_SECONDS = 5;

/**
 * Queue consumer: claims the requests named by the messages, applies them, acks what is done, and
 * retries with backoff what failed. A request another consumer holds is retried after the claim
 * lease, so if that consumer died its request is taken over then, not left to the cron. If the
 * database is unreachable the whole batch is retried; after the queue's retries the messages go to
 * the dead-letter queue, and the rows, still pending or processing, are swept by the cron.
 */
export async function handleRecomputeBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const byRequest = new Map<number, Message<unknown>[]>();
  for (const msg of batch.messages) {
    const parsed = recomputeMessageSchema.safeParse(msg.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ level: "error", msg: "malformed recompute message dropped", id: msg.id }));
      msg.ack();
      continue;
    }
    byRequest.set(parsed.data.request_id, [...(byRequest.get(parsed.data.request_id) ?? []), msg]);
  }
  if (byRequest.size === 0) return;

  let conn;
  try {
    conn = await connect({ databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY });
  } catch {
    batch.retryAll({ delaySeconds: 30 });
    return;
  }
  try {
    const { claimed, busy, locked } = await claimRequests(conn.db, [...byRequest.keys()]);
    const outcome = await applyClaimed(conn.db, claimed, new Date());
    const retryAfter = new Map(outcome.retry.map((r) => [r.id, retryDelaySeconds(r.attempts)]));
    // Claimed by another consumer: come back when its claim would count as abandoned.
    for (const id of busy) retryAfter.set(id, CLAIM_LEASE_SECONDS);
    for (const id of locked) retryAfter.set(id, LOCKED_RETRY_SECONDS);
    for (const [id, msgs] of byRequest) {
      const delaySeconds = retryAfter.get(id);
      for (const m of msgs) {
        if (delaySeconds === undefined) m.ack();
        else m.retry({ delaySeconds });
      }
    }
  } catch (err) {
    // Lost the database mid-way: claimed rows stay `processing` and the cron sweep reclaims them.
    console.error(JSON.stringify({ level: "error", msg: "recompute batch failed", error: String(driverError(err)) }));
    batch.retryAll({ delaySeconds: 30 });
  } finally {
    await conn.close();
  }
}
