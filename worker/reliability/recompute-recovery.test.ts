import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, deliverRecompute, event, fetchWith, isolatedEnv, query, recordingQueue, testEnv } from "../../test/helpers";
import type { Bindings } from "../env";
import worker from "../index";
import { holdLocks } from "../../test/reliability/db-faults";

type Cached = { cached: boolean; stale: boolean; pending_recompute: boolean; metrics: unknown };
type Request = { id: string; status: string; attempts: number; error: string | null };

const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
// Never cached, hour-aligned and below the watermark: read from the rollups alone.
const MORNING = "start=2026-03-02T06:00:00Z&end=2026-03-02T12:00:00Z";

let sites = 0;

/**
 * A site with a shift of events, its rollups built and its day cached, that then receives late
 * events (W1 was idle from 08:40, and made 2 more units) whose queue messages are only recorded:
 * the test decides what happens to them.
 */
async function lateEventsAfterCaching(bindings: Bindings) {
  const siteId = `rel${Date.now().toString(36)}${sites++}`;
  // The events are dated March 2026: a default history start (366 days before creation) would
  // refuse them from March 2027 on.
  const created = await fetchWith(bindings, "/sites", {
    method: "POST",
    headers: ADMIN,
    json: { site_id: siteId, name: "Recovery plant", history_start: "2020-01-01T00:00:00Z" },
  });
  const auth = { authorization: `Bearer ${((await created.json()) as { site_key: string }).site_key}` };
  const post = (b: Bindings, json: unknown) => fetchWith(b, "/events/bulk", { method: "POST", headers: auth, json });
  // The ingest key only sends events: reads take a read key.
  const readKey = await fetchWith(bindings, `/sites/${siteId}/read-keys`, { method: "POST", headers: ADMIN, json: { name: "recovery", worker_detail: true } });
  expect(readKey.status).toBe(201);
  const readAuth = { authorization: `Bearer ${((await readKey.json()) as { key: string }).key}` };
  const shift = await post(bindings, [
    event({ timestamp: "2026-03-02T08:00:00Z" }),
    event({ timestamp: "2026-03-02T08:20:00Z", event_type: "product_count", count: 5 }),
    event({ timestamp: "2026-03-02T09:00:00Z", event_type: "idle" }),
    event({ timestamp: "2026-03-02T09:05:00Z", worker_id: "W2", workstation_id: "S2" }),
    event({ timestamp: "2026-03-02T09:05:00Z" }),
    event({ timestamp: "2026-03-02T10:00:00Z", event_type: "absent" }),
    event({ timestamp: "2026-03-02T10:30:00Z" }),
  ]);
  expect(shift.status).toBe(200);
  expect((await fetchWith(bindings, `/metrics/recompute?site=${siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
  const read = async (path: string) => (await (await fetchWith(bindings, path, { headers: readAuth })).json()) as Cached;
  const before = { worker: await read(`/metrics/cache/worker/W1?${DAY}&populate=true`), factory: await read(`/metrics/cache/factory?${DAY}&populate=true`) };

  const { queue, sent } = recordingQueue();
  const late = await post({ ...bindings, RECOMPUTE: queue }, [
    event({ timestamp: "2026-03-02T08:40:00Z", event_type: "idle" }),
    event({ timestamp: "2026-03-02T08:45:00Z", event_type: "product_count", count: 2 }),
  ]);
  expect(late.status).toBe(200);
  const requests = () =>
    query<Request>("select id, status, attempts, error from recompute_requests where site_id = $1 order by id", [siteId], bindings);
  // One message per request the batch recorded: W1, the workstation it was at, and the factory,
  // each for the hours the late events change (08:00 to 09:00, where W1's next event starts).
  const recorded = await requests();
  expect(recorded.map((r) => r.status)).toEqual(["pending", "pending", "pending"]);
  expect(sent.map((m) => [m.request_id, m.site_id]).sort()).toEqual(recorded.map((r) => [Number(r.id), siteId]).sort());
  expect(sent.map((m) => `${m.entity_type} ${m.entity_id} ${m.window_start.slice(11, 16)}-${m.window_end.slice(11, 16)}`).sort()).toEqual([
    `factory ${siteId} 08:00-09:00`,
    "worker W1 08:00-09:00",
    "workstation S1 08:00-09:00",
  ]);
  return { siteId, auth, readAuth, sent, before, read, requests };
}

/** The cached day, and a window read from rollups only, equal a fresh computation from events. */
async function expectCorrected(bindings: Bindings, s: Awaited<ReturnType<typeof lateEventsAfterCaching>>) {
  const fresh = async (path: string) => ((await (await fetchWith(bindings, path, { headers: s.readAuth })).json()) as { metrics: unknown }).metrics;
  const worker = await s.read(`/metrics/cache/worker/W1?${DAY}`);
  const factory = await s.read(`/metrics/cache/factory?${DAY}`);
  expect(worker).toMatchObject({ cached: true, stale: false, pending_recompute: false });
  expect(factory).toMatchObject({ cached: true, stale: false, pending_recompute: false });
  expect(worker.metrics).toEqual(await fresh(`/metrics/worker/W1?${DAY}`));
  expect(factory.metrics).toEqual(await fresh(`/metrics/factory?${DAY}`));
  // The late events did change the numbers, so equality above is not the old cache surviving.
  expect(worker.metrics).not.toEqual(s.before.worker.metrics);
  expect(factory.metrics).not.toEqual(s.before.factory.metrics);
  const fromRollups = await s.read(`/metrics/cache/factory?${MORNING}&populate=true`);
  expect(fromRollups.cached).toBe(false);
  expect(fromRollups.metrics).toEqual(await fresh(`/metrics/factory?${MORNING}`));
  const workers = await s.read(`/metrics/cache/workers?${MORNING}&populate=true`);
  expect(workers.metrics).toEqual(await fresh(`/metrics/workers?${MORNING}`));
}

async function runCron(bindings: Bindings) {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

describe("queue message lost after a successful send", () => {
  it("the request stays pending, the dashboard sees it as stale, and the cron sweep applies it", async () => {
    // The cron sweeps every site, so this runs in a database of its own.
    const env = isolatedEnv();
    const s = await lateEventsAfterCaching(env);
    const requests = await s.requests();
    expect(requests.map((r) => r.status)).toEqual(requests.map(() => "pending"));
    expect(await s.read(`/metrics/cache/worker/W1?${DAY}`)).toMatchObject({ stale: true, pending_recompute: true, metrics: s.before.worker.metrics });

    // Fresh requests are left to the queue, which may still deliver them.
    await runCron(env);
    expect((await s.requests()).map((r) => r.status)).toEqual(requests.map(() => "pending"));

    // Two minutes on, the message is taken as lost.
    await query("update recompute_requests set updated_at = now() - interval '3 minutes' where site_id = $1", [s.siteId], env);
    await runCron(env);
    expect(await s.requests()).toEqual(requests.map((r) => ({ ...r, status: "done", attempts: 1 })));
    await expectCorrected(env, s);
  });
});

describe("queue consumer dying with its claim, and the queue giving up on the message", () => {
  it("the cron takes over a request processing for over 10 minutes, and leaves younger claims and fresh requests alone", async () => {
    const env = isolatedEnv();
    const s = await lateEventsAfterCaching(env);
    const ids = (await s.requests()).map((r) => r.id);
    const [dead, ...rest] = ids;
    // A consumer claimed one request and died; its messages went to the dead-letter queue, so only
    // the cron can finish it. The others are still pending, their messages on their way.
    const age = (id: string, status: string, minutes: number) =>
      query("update recompute_requests set status = $2, attempts = 1, updated_at = now() - make_interval(mins => $3) where id = $1", [id, status, minutes], env);
    await age(dead, "processing", 9);
    for (const id of rest) await age(id, "pending", 1);
    await runCron(env);
    // 9 minutes is past the queue's claim lease (2), not the cron's (10); a minute pending is fresh.
    expect(await s.requests()).toEqual([
      { id: dead, status: "processing", attempts: 1, error: null },
      ...rest.map((id) => ({ id, status: "pending", attempts: 1, error: null })),
    ]);
    expect(await s.read(`/metrics/cache/worker/W1?${DAY}`)).toMatchObject({ stale: true, pending_recompute: true });

    await age(dead, "processing", 11);
    await runCron(env);
    expect(await s.requests()).toEqual([
      { id: dead, status: "done", attempts: 2, error: null },
      ...rest.map((id) => ({ id, status: "pending", attempts: 1, error: null })),
    ]);
    // Two minutes pending: the queue has missed them too.
    for (const id of rest) await age(id, "pending", 2);
    await runCron(env);
    expect((await s.requests()).map((r) => [r.status, r.attempts])).toEqual([["done", 2], ...rest.map(() => ["done", 2])]);
    await expectCorrected(env, s);
  });
});

describe("queue consumer dying in the middle of a request", () => {
  // The consumer claims the requests, then rebuilds the rollup hours; holding those rows parks it
  // there, after the claim and before anything is applied.
  const parkAtRebuild = (siteId: string) => holdLocks("select 1 from worker_hour_rollups where site_id = $1 for update", [siteId]);

  it("database lost after the claim: the batch is retried, and a redelivery after the claim lease applies it once", async () => {
    const s = await lateEventsAfterCaching(testEnv);
    const lock = await parkAtRebuild(s.siteId);
    let crashed;
    try {
      const delivery = deliverRecompute(testEnv, s.sent);
      await lock.terminate(await lock.blockedBackend());
      crashed = await delivery;
    } finally {
      await lock.release();
    }
    expect(crashed.retryBatch.retry).toBe(true);
    expect(crashed.explicitAcks).toEqual([]);
    const claimed = await s.requests();
    expect(claimed.map((r) => [r.status, r.attempts])).toEqual(claimed.map(() => ["processing", 1]));
    expect(await s.read(`/metrics/cache/worker/W1?${DAY}`)).toMatchObject({ stale: true, metrics: s.before.worker.metrics });

    // The queue's retry finds the requests still claimed (their consumer may only be slow): it
    // leaves them alone and comes back when the claim lease is over.
    const early = await deliverRecompute(testEnv, s.sent, 2);
    expect(early.explicitAcks).toEqual([]);
    expect(early.retryMessages).toEqual(s.sent.map((_, i) => ({ msgId: `m${i}` })));
    expect(await s.requests()).toEqual(claimed);

    // After the lease the claim counts as abandoned: the next delivery takes it over and applies it.
    await query("update recompute_requests set updated_at = now() - interval '3 minutes' where site_id = $1", [s.siteId]);
    const late = await deliverRecompute(testEnv, s.sent, 3);
    expect(late.retryMessages).toEqual([]);
    expect(late.explicitAcks).toHaveLength(s.sent.length);
    expect((await s.requests()).map((r) => [r.status, r.attempts])).toEqual(claimed.map(() => ["done", 2]));
    await expectCorrected(testEnv, s);

    // A duplicate delivery after that changes nothing.
    const again = await deliverRecompute(testEnv, s.sent, 1);
    expect(again.explicitAcks).toHaveLength(s.sent.length);
    expect((await s.requests()).map((r) => [r.status, r.attempts])).toEqual(claimed.map(() => ["done", 2]));
  });

  it("a failing rebuild: the messages are retried, the retry applies them once, a late duplicate is a no-op", async () => {
    const s = await lateEventsAfterCaching(testEnv);
    const lock = await parkAtRebuild(s.siteId);
    let failed;
    try {
      const delivery = deliverRecompute(testEnv, s.sent);
      await lock.cancel(await lock.blockedBackend());
      failed = await delivery;
    } finally {
      await lock.release();
    }
    expect(failed.retryBatch.retry).toBe(false);
    expect(failed.explicitAcks).toEqual([]);
    // (The harness does not report the backoff delay, only which messages were retried.)
    expect(failed.retryMessages).toEqual(s.sent.map((_, i) => ({ msgId: `m${i}` })));
    const returned = await s.requests();
    expect(returned.map((r) => [r.status, r.attempts])).toEqual(returned.map(() => ["pending", 1]));
    expect(returned.every((r) => r.error)).toBe(true);

    const retried = await deliverRecompute(testEnv, s.sent, 2);
    expect(retried.explicitAcks).toHaveLength(s.sent.length);
    expect(retried.retryMessages).toEqual([]);
    const done = await s.requests();
    expect(done.map((r) => [r.status, r.attempts, r.error])).toEqual(done.map(() => ["done", 2, null]));
    await expectCorrected(testEnv, s);

    // At-least-once delivery: the same messages once more change nothing.
    const rollups = () => query("select * from worker_hour_rollups where site_id = $1 order by worker_id, hour", [s.siteId]);
    const [cached, rolledUp] = [await s.read(`/metrics/cache/factory?${DAY}`), await rollups()];
    const duplicate = await deliverRecompute(testEnv, s.sent, 1);
    expect(duplicate.explicitAcks).toHaveLength(s.sent.length);
    expect(await s.requests()).toEqual(done);
    expect(await rollups()).toEqual(rolledUp);
    expect(await s.read(`/metrics/cache/factory?${DAY}`)).toEqual(cached);
  });
});
