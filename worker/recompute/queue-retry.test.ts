// How the recompute queue consumer hands failures back to the Queue (README, "Rollups, cache and
// recompute"): a failed request's messages are retried with exponential backoff
// (retryDelaySeconds), a request another consumer holds after the claim lease, a batch that cannot
// reach the database after 30 s; after the last attempt the message is acked and the request is
// `failed`. Messages that exhaust the queue's own retries go to the dead-letter queue that
// wrangler.toml configures. (cloudflare:test's getQueueResult does not report delays, so these
// tests hand the consumer a batch of their own that records them.)
import { describe, expect, it } from "vitest";
import { CLAIM_LEASE_SECONDS } from "../../db/recompute";
import { ADMIN, event, fetchWith, newSite, query, recordingQueue, testEnv } from "../../test/helpers";
import { wranglerTables } from "../../test/wrangler-toml";
import type { Bindings } from "../env";
import worker from "../index";
import { holdLocks } from "../../test/reliability/db-faults";
import { MAX_ATTEMPTS, retryDelaySeconds } from "./apply";
import type { RecomputeMessage } from "./message";

type Outcome = "ack" | { retry: { delaySeconds?: number } };

/** A MessageBatch as the Queue delivers it, recording what the consumer does with each message. */
function recordingBatch(bodies: unknown[], attempts = 1) {
  const outcomes: Record<string, Outcome> = {};
  let whole: Outcome | undefined;
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    attempts,
    body,
    ack: () => void (outcomes[`m${i}`] = "ack"),
    retry: (options?: { delaySeconds?: number }) => void (outcomes[`m${i}`] = { retry: { ...options } }),
  }));
  const batch = {
    queue: "productivity-recompute",
    messages,
    ackAll: () => void (whole = "ack"),
    retryAll: (options?: { delaySeconds?: number }) => void (whole = { retry: { ...options } }),
  } as unknown as MessageBatch<unknown>;
  return { batch, outcomes, whole: () => whole };
}

async function deliver(bindings: Bindings, bodies: unknown[], attempts = 1) {
  const r = recordingBatch(bodies, attempts);
  await worker.queue(r.batch, bindings);
  return { outcomes: r.outcomes, whole: r.whole() };
}

/** A site with rollups built, then a late event whose queue messages are recorded, not sent. */
async function lateRequest() {
  const site = await newSite();
  await fetchWith(testEnv, "/events/bulk", {
    method: "POST",
    headers: site.auth,
    json: [event({ timestamp: "2026-03-02T08:00:00Z" }), event({ timestamp: "2026-03-02T09:00:00Z", event_type: "idle" })],
  });
  expect((await fetchWith(testEnv, `/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
  const { queue, sent } = recordingQueue();
  const late = await fetchWith({ ...testEnv, RECOMPUTE: queue }, "/events", {
    method: "POST",
    headers: site.auth,
    json: event({ timestamp: "2026-03-02T08:30:00Z", event_type: "absent" }),
  });
  expect(late.status).toBe(201);
  const requests = () =>
    query<{ id: string; status: string; attempts: number }>("select id, status, attempts from recompute_requests where site_id = $1 and status <> 'done' order by id", [site.siteId]);
  const open = await requests();
  expect(sent.map((m) => Number(m.request_id)).sort((a, b) => a - b)).toEqual(open.map((r) => Number(r.id)));
  return { site, sent, requests };
}

/** Delivers the messages while their rebuild is made to fail (its statement is cancelled). */
async function deliverFailing(siteId: string, sent: RecomputeMessage[], attempts: number) {
  const lock = await holdLocks("select 1 from worker_hour_rollups where site_id = $1 for update", [siteId]);
  try {
    const delivery = deliver(testEnv, sent, attempts);
    await lock.cancel(await lock.blockedBackend());
    return await delivery;
  } finally {
    await lock.release();
  }
}

describe("retryDelaySeconds", () => {
  it("doubles from 20 s with each attempt, up to 10 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(retryDelaySeconds)).toEqual([20, 40, 80, 160, 320, 600, 600, 600]);
  });
});

describe("queue consumer retries", () => {
  it("retries a failed request's messages after retryDelaySeconds(attempts), and acks them once the request has failed for good", async () => {
    const { site, sent, requests } = await lateRequest();
    const ids = (await requests()).map((r) => r.id);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { outcomes, whole } = await deliverFailing(site.siteId, sent, attempt);
      expect(whole).toBeUndefined();
      const after = await query<{ status: string; attempts: number }>(
        "select status, attempts from recompute_requests where id = any($1::bigint[]) order by id",
        [ids],
      );
      if (attempt < MAX_ATTEMPTS) {
        expect(after).toEqual(ids.map(() => ({ status: "pending", attempts: attempt })));
        expect(outcomes).toEqual(Object.fromEntries(sent.map((_, i) => [`m${i}`, { retry: { delaySeconds: retryDelaySeconds(attempt) } }])));
      } else {
        // The last attempt: the request is failed and its messages are done with (nothing to retry).
        expect(after).toEqual(ids.map(() => ({ status: "failed", attempts: MAX_ATTEMPTS })));
        expect(outcomes).toEqual(Object.fromEntries(sent.map((_, i) => [`m${i}`, "ack"])));
      }
    }
  });

  it("retries a request another consumer holds after the claim lease, and acks it once done", async () => {
    const { sent, requests } = await lateRequest();
    const ids = (await requests()).map((r) => r.id);
    await query("update recompute_requests set status = 'processing', attempts = 1, updated_at = now() where id = any($1::bigint[])", [ids]);
    const held = await deliver(testEnv, sent);
    expect(held.outcomes).toEqual(Object.fromEntries(sent.map((_, i) => [`m${i}`, { retry: { delaySeconds: CLAIM_LEASE_SECONDS } }])));
    expect(CLAIM_LEASE_SECONDS).toBe(120);
    expect((await requests()).map((r) => r.status)).toEqual(ids.map(() => "processing"));

    await query("update recompute_requests set updated_at = now() - interval '3 minutes' where id = any($1::bigint[])", [ids]);
    const taken = await deliver(testEnv, sent, 2);
    expect(taken.outcomes).toEqual(Object.fromEntries(sent.map((_, i) => [`m${i}`, "ack"])));
    expect(await requests()).toEqual([]);
  });

  it("retries the whole batch after 30 s when the database cannot be reached", async () => {
    const { sent } = await lateRequest();
    const { outcomes, whole } = await deliver({ ...testEnv, DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:9/nowhere" }, sent);
    expect(whole).toEqual({ retry: { delaySeconds: 30 } });
    expect(outcomes).toEqual({});
  });
});

describe("wrangler.toml", () => {
  it("sends recompute messages to the queue it consumes, with retries and a dead-letter queue", () => {
    expect(wranglerTables("queues.producers")).toEqual([{ binding: "RECOMPUTE", queue: "productivity-recompute" }]);
    const consumers = wranglerTables("queues.consumers");
    expect(consumers).toHaveLength(1);
    expect(consumers[0]).toMatchObject({ queue: "productivity-recompute", max_retries: 5, dead_letter_queue: "productivity-recompute-dlq" });
    // The worker under test has the producer binding from that file.
    expect(typeof testEnv.RECOMPUTE.send).toBe("function");
  });
});
