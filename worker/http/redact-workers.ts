import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Worker ids as labels, "worker 1", "worker 2", ... in the order they are first met: readers who
 * may not see per-worker data can still tell the workers of one answer apart, not who they are.
 */
export function workerLabeller(): (workerId: string) => string {
  const labels = new Map<string, string>();
  return (id) => {
    let label = labels.get(id);
    if (!label) labels.set(id, (label = `worker ${labels.size + 1}`));
    return label;
  };
}

type WithWorkersSeen = { workers_seen?: string[] };

/**
 * After a workstation read (fresh or cached), for a reader without per-worker data: `workers_seen`
 * names labels instead of ids, and the answer says so (contract/metrics.ts).
 */
export const redactWorkersSeen = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.get("reader")?.workerDetail !== false || c.res.status !== 200) return;
  const body = (await c.res.json()) as { metrics: WithWorkersSeen | WithWorkersSeen[] } & Record<string, unknown>;
  const label = workerLabeller();
  const redact = (m: WithWorkersSeen) => (m.workers_seen ? { ...m, workers_seen: m.workers_seen.map(label) } : m);
  const metrics = Array.isArray(body.metrics) ? body.metrics.map(redact) : redact(body.metrics);
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify({ ...body, metrics, worker_ids_redacted: true }), { status: 200, headers });
});
