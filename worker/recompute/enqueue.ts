import type { Context } from "hono";
import type { RecomputeRow } from "../../db/ingest";
import type { AppEnv } from "../env";
import type { RecomputeMessage } from "./message";

// Queues take at most 100 messages per sendBatch call.
const SEND_BATCH_LIMIT = 100;

export function toMessage(row: RecomputeRow): RecomputeMessage {
  return {
    request_id: row.id,
    site_id: row.siteId,
    entity_type: row.entityType,
    entity_id: row.entityId,
    window_start: row.windowStart.toISOString(),
    window_end: row.windowEnd.toISOString(),
  };
}

/**
 * Sends one message per newly recorded recompute request. The outbox row is already committed,
 * so a failed send loses nothing: the request stays pending and the cron sweep picks it up.
 */
export async function enqueueRecompute(queue: Queue<RecomputeMessage>, rows: RecomputeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += SEND_BATCH_LIMIT) {
    const chunk = rows.slice(i, i + SEND_BATCH_LIMIT);
    await queue.sendBatch(chunk.map((row) => ({ body: toMessage(row), contentType: "json" as const })));
  }
}

/** enqueueRecompute for a request handler: a failed send is logged and left to the cron sweep. */
export async function sendRecomputeRequests(c: Context<AppEnv>, rows: RecomputeRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    await enqueueRecompute(c.env.RECOMPUTE, rows);
  } catch (err) {
    // The requests are committed as pending; the cron sweep sends them again.
    console.error(JSON.stringify({ level: "warn", msg: "recompute enqueue failed", request_id: c.get("requestId"), error: String(err) }));
    c.get("sentry")?.captureException(err);
  }
}
