import { connect } from "../../db/client";
import { claimRequests } from "../../db/recompute";
import type { Bindings } from "../env";
import { applyClaimed, retryDelaySeconds } from "./apply";
import { recomputeMessageSchema } from "./message";

/**
 * Queue consumer: claims the requests named by the messages, applies them, acks what is done or
 * no longer pending (another consumer or the cron sweep had it), and retries with backoff what
 * failed. If the database is unreachable the whole batch is retried; after the queue's retries the
 * messages go to the dead-letter queue, and the rows, still pending, are swept by the cron.
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
    const claimed = await claimRequests(conn.db, [...byRequest.keys()]);
    const outcome = await applyClaimed(conn.db, claimed, new Date());
    const retry = new Map(outcome.retry.map((r) => [r.id, r.attempts]));
    for (const [id, msgs] of byRequest) {
      const attempts = retry.get(id);
      for (const m of msgs) {
        if (attempts === undefined) m.ack();
        else m.retry({ delaySeconds: retryDelaySeconds(attempts) });
      }
    }
  } catch (err) {
    // Lost the database mid-way: claimed rows stay `processing` and the cron sweep reclaims them.
    console.error(JSON.stringify({ level: "error", msg: "recompute batch failed", error: String(err) }));
    batch.retryAll({ delaySeconds: 30 });
  } finally {
    await conn.close();
  }
}
