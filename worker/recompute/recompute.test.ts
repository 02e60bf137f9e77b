import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect } from "../../db/client";
import { claimRequests, failRequests } from "../../db/recompute";
import { ADMIN, api, event, fetchWith, isolatedEnv, newSite, query, recordingQueue, testEnv } from "../../test/helpers";
import type { Bindings } from "../env";
import worker from "../index";
import { CACHE_FORMAT } from "../../db/metrics-cache";
import { MAX_ATTEMPTS, retryDelaySeconds } from "./apply";
import { EAGER_CACHE_RECOMPUTES, stampAfterRebuild } from "../cache/policy";

type Cached = { cached: boolean; stale: boolean; pending_recompute: boolean; computed_at: string; metrics: Record<string, unknown> };

const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";

/** Posts a batch with a Queue binding that records what is sent, like the real producer would. */
async function postRecording(bindings: Bindings, auth: Record<string, string>, events: unknown[]) {
  const { queue, sent } = recordingQueue();
  const res = await fetchWith({ ...bindings, RECOMPUTE: queue }, "/events/bulk", { method: "POST", headers: auth, json: events });
  expect(res.status).toBe(200);
  return sent;
}

async function deliver(bindings: Bindings, bodies: unknown[]) {
  const batch = createMessageBatch("productivity-recompute", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

const shift = (site: { auth: Record<string, string> }) =>
  api("/events/bulk", {
    method: "POST",
    headers: site.auth,
    json: [
      event({ timestamp: "2026-03-02T08:00:00Z" }),
      event({ timestamp: "2026-03-02T08:20:00Z", event_type: "product_count", count: 5 }),
      event({ timestamp: "2026-03-02T09:00:00Z", event_type: "idle" }),
      event({ timestamp: "2026-03-02T09:05:00Z" }),
      event({ timestamp: "2026-03-02T10:00:00Z", event_type: "absent" }),
      event({ timestamp: "2026-03-02T10:30:00Z" }),
    ],
  });

describe("late events end to end: ingest, cache, queue consumer", () => {
  it("corrects the cached metrics and the rollups after late events", async () => {
    const site = await newSite();
    await shift(site);
    // Build rollups and the watermark for this site, as the cron does.
    const pass = await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN });
    expect(pass.status).toBe(200);

    const before = (await (await api(`/metrics/cache/worker/W1?${DAY}&populate=true`, { headers: site.read })).json()) as Cached;
    expect(before).toMatchObject({ cached: false, stale: false });
    const factoryBefore = (await (await api(`/metrics/cache/factory?${DAY}&populate=true`, { headers: site.read })).json()) as Cached;

    // Late: W1 was idle from 08:40 (stored data said working until 09:00) and made 2 more units.
    const sent = await postRecording(testEnv, site.auth, [
      event({ timestamp: "2026-03-02T08:40:00Z", event_type: "idle" }),
      event({ timestamp: "2026-03-02T08:45:00Z", event_type: "product_count", count: 2 }),
    ]);
    expect(sent.length).toBeGreaterThan(0);

    const staleRead = (await (await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.read })).json()) as Cached;
    expect(staleRead).toMatchObject({ cached: true, stale: true, pending_recompute: true });
    expect(staleRead.metrics).toEqual(before.metrics);

    const result = await deliver(testEnv, sent);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(sent.length);

    const after = (await (await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.read })).json()) as Cached;
    expect(after).toMatchObject({ cached: true, stale: false, pending_recompute: false });
    expect(after.metrics).not.toEqual(before.metrics);
    const fresh = (await (await api(`/metrics/worker/W1?${DAY}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(after.metrics).toEqual(fresh.metrics);

    // The factory entry read through rollups matches a fresh computation too.
    const factoryAfter = (await (await api(`/metrics/cache/factory?${DAY}`, { headers: site.read })).json()) as Cached;
    const factoryFresh = (await (await api(`/metrics/factory?${DAY}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(factoryAfter.metrics).not.toEqual(factoryBefore.metrics);
    expect(factoryAfter.metrics).toEqual(factoryFresh.metrics);

    const statuses = await query<{ status: string }>("select distinct status from recompute_requests where site_id = $1", [site.siteId]);
    expect(statuses).toEqual([{ status: "done" }]);
  });
});

describe("queue consumer", () => {
  it("acks malformed messages and requests that are no longer pending, without work", async () => {
    const site = await newSite();
    await shift(site);
    const sent = await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T08:50:00Z", event_type: "idle" })]);
    const first = await deliver(testEnv, sent);
    expect(first.explicitAcks).toHaveLength(sent.length);
    // Redelivery of the same messages (at-least-once queues do this): acked, nothing re-run.
    const again = await deliver(testEnv, [...sent, { not: "a recompute message" }]);
    expect(again.explicitAcks).toHaveLength(sent.length + 1);
    expect(again.retryMessages).toEqual([]);
  });

  it("retries the whole batch when the database is unreachable", async () => {
    const result = await deliver({ ...testEnv, DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/nowhere" }, [
      { request_id: 1, site_id: "x", entity_type: "worker", entity_id: "W1", window_start: "2026-03-02T08:00:00.000Z", window_end: "2026-03-02T09:00:00.000Z" },
    ]);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
  });

  it("returns failed requests to pending with backoff, and fails them after the last attempt", async () => {
    const site = await newSite();
    await shift(site);
    await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T08:10:00Z", event_type: "idle" })]);
    const [row] = await query<{ id: string }>("select id from recompute_requests where site_id = $1 and entity_type = 'worker'", [site.siteId]);
    const id = Number(row.id);
    const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
    try {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const { claimed } = await claimRequests(conn.db, [id]);
        expect(claimed.map((c) => c.attempts)).toEqual([attempt]);
        // claimed once only: a second claim finds it held
        expect(await claimRequests(conn.db, [id])).toEqual({ claimed: [], busy: [id], locked: [] });
        const [failed] = await failRequests(conn.db, [id], "boom", MAX_ATTEMPTS);
        expect(failed.status).toBe(attempt < MAX_ATTEMPTS ? "pending" : "failed");
      }
    } finally {
      await conn.close();
    }
    expect(retryDelaySeconds(1)).toBeLessThan(retryDelaySeconds(3));
    expect(retryDelaySeconds(20)).toBe(600);
  });
});

describe("scheduled pass", () => {
  it("rolls up closed hours, sweeps requests the queue missed and caches today", async () => {
    const env = isolatedEnv();
    const created = await fetchWith(env, "/sites", { method: "POST", headers: ADMIN, json: { site_id: `cron${Date.now()}`, name: "Cron plant", time_zone: "Asia/Tokyo" } });
    const { site_id, site_key } = (await created.json()) as { site_id: string; site_key: string };
    const auth = { authorization: `Bearer ${site_key}` };
    // The ingest key only sends events: reads take a read key.
    const readKey = await fetchWith(env, `/sites/${site_id}/read-keys`, { method: "POST", headers: ADMIN, json: { name: "cron", worker_detail: true } });
    expect(readKey.status).toBe(201);
    const readAuth = { authorization: `Bearer ${((await readKey.json()) as { key: string }).key}` };
    const now = Date.now();
    const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString();
    await fetchWith(env, "/events/bulk", {
      method: "POST",
      headers: auth,
      json: [event({ timestamp: minutesAgo(180) }), event({ timestamp: minutesAgo(120), event_type: "idle" }), event({ timestamp: minutesAgo(60) })],
    });
    // Entries nobody has recomputed for over a week are dropped; a recent one stays.
    const entry = (start: string, computedDaysAgo: number) =>
      query(
        `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at)
         values ($1, 'factory', $1, $2, $2::timestamptz + interval '1 day', '{}', now() - make_interval(days => $3))`,
        [site_id, start, computedDaysAgo],
        env,
      );
    await entry("2026-01-01T00:00:00Z", 8);
    await entry("2026-01-02T00:00:00Z", 6);
    // A late event whose queue message was lost: its requests stay pending.
    const failing = { sendBatch: async () => { throw new Error("queue down"); } } as unknown as Queue;
    await fetchWith({ ...env, RECOMPUTE: failing }, "/events", { method: "POST", headers: auth, json: event({ timestamp: minutesAgo(150), event_type: "absent" }) });
    await query("update recompute_requests set updated_at = now() - interval '10 minutes' where site_id = $1", [site_id], env);

    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    const [state] = await query<{ built_until: Date }>("select rollups_built_until as built_until from sites where site_id = $1", [site_id], env);
    expect(new Date(state.built_until).getTime()).toBeGreaterThan(now - 2 * 3_600_000);
    const requests = await query<{ status: string }>("select distinct status from recompute_requests where site_id = $1", [site_id], env);
    expect(requests).toEqual([{ status: "done" }]);
    const cached = await query<{ entity_type: string; entity_id: string }>(
      "select entity_type, entity_id from metrics_cache where site_id = $1 order by 1, 2",
      [site_id],
      env,
    );
    expect(cached).toEqual([
      { entity_type: "factory", entity_id: site_id },
      { entity_type: "factory", entity_id: site_id },
      { entity_type: "worker", entity_id: "*" },
      { entity_type: "workstation", entity_id: "*" },
    ]);

    const kept = await query<{ window_start: Date }>(
      "select window_start from metrics_cache where site_id = $1 and window_start < '2026-02-01'",
      [site_id],
      env,
    );
    expect(kept.map((k) => new Date(k.window_start).toISOString())).toEqual(["2026-01-02T00:00:00.000Z"]);

    // Today's cached factory metrics equal a fresh computation of the same window.
    const [today] = await query<{ window_start: Date; window_end: Date }>(
      "select window_start, window_end from metrics_cache where site_id = $1 and entity_type = 'factory' and window_start > '2026-02-01'",
      [site_id],
      env,
    );
    const win = `start=${new Date(today.window_start).toISOString()}&end=${new Date(today.window_end).toISOString()}`;
    const cachedRead = (await (await fetchWith(env, `/metrics/cache/factory?${win}`, { headers: readAuth })).json()) as Cached;
    const fresh = (await (await fetchWith(env, `/metrics/factory?${win}`, { headers: readAuth })).json()) as { metrics: Record<string, unknown> };
    expect(cachedRead.metrics.working_seconds).toBeCloseTo(fresh.metrics.working_seconds as number, 0);
  });
});

describe("rollup backlog", () => {
  it("builds a site's whole backlog in one pass, in steps, and reports what it did per site", async () => {
    const site = await newSite();
    const HOUR = 3_600_000;
    const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;
    const first = floorHour(Date.now()) - 40 * 24 * HOUR + 15 * 60_000;
    await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [event({ timestamp: new Date(first).toISOString() }), event({ timestamp: new Date(Date.now() - 2 * HOUR).toISOString(), event_type: "idle" })],
    });
    const before = Date.now();
    const res = await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN });
    const after = Date.now();
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      per_site: { site_id: string; rollups: { from: string; to: string; hours: number } | null; built_until: string; caught_up: boolean }[];
    };
    expect(body.per_site).toHaveLength(1);
    const [report] = body.per_site;
    expect(report).toMatchObject({ site_id: site.siteId, caught_up: true, built_until: report.rollups?.to });
    // From the hour of the site's first event to the last hour closed 5 minutes ago: over 960
    // hours, more than one step of 168.
    expect(report.rollups?.from).toBe(new Date(floorHour(first)).toISOString());
    const to = Date.parse(report.built_until);
    expect(to).toBeGreaterThanOrEqual(floorHour(before - 5 * 60_000));
    expect(to).toBeLessThanOrEqual(floorHour(after - 5 * 60_000));
    expect(report.rollups?.hours).toBe((to - floorHour(first)) / HOUR);
    // Every hour after W1's first event holds state or unknown time, so each has its rollup row.
    const [{ n }] = await query<{ n: string }>("select count(*) as n from worker_hour_rollups where site_id = $1", [site.siteId]);
    expect(Number(n)).toBe(report.rollups?.hours);

    // A window read from those rollups equals the fresh computation.
    const win = `start=${new Date(floorHour(first)).toISOString()}&end=${new Date(to).toISOString()}`;
    const cached = (await (await api(`/metrics/cache/worker/W1?${win}&populate=true`, { headers: site.read })).json()) as Cached;
    const fresh = (await (await api(`/metrics/worker/W1?${win}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(cached).toMatchObject({ cached: false, stale: false, pending_recompute: false });
    expect(cached.metrics).toEqual(fresh.metrics);

    // Nothing left: the next pass builds nothing (or, should an hour have closed meanwhile, just it).
    const again = (await (await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN })).json()) as typeof body;
    expect(again.per_site[0].caught_up).toBe(true);
    if (again.per_site[0].rollups !== null) expect(again.per_site[0].rollups).toMatchObject({ from: report.built_until, hours: 1 });
  });
});

describe("cached windows a request reaches", () => {
  it("recomputes the most recently computed ones and drops the rest", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T10:00:00Z" }) });
    // 55 closed one-hour factory windows from 2026-03-02T10:00 on, computed a minute apart (the
    // latest window most recently), all before the late event below is posted.
    await query(
      `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at, format)
       select $1, 'factory', $1, w, w + interval '1 hour', '{}', now() - make_interval(mins => 60 - i), $2
       from generate_series(0, ${EAGER_CACHE_RECOMPUTES + 4}) i, lateral (select '2026-03-02T10:00:00Z'::timestamptz + make_interval(hours => i) as w) x`,
      [site.siteId, CACHE_FORMAT],
    );
    // A new worker's first event, before windows already cached and closed: its time runs on to
    // now, so it changes every one of them.
    const sent = await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T09:30:00Z", worker_id: "W2", event_type: "idle" })]);
    expect(sent.map((m) => m.entity_type).sort()).toEqual(["factory", "worker", "workstation"]);
    const result = await deliver(testEnv, sent);
    expect(result.explicitAcks).toHaveLength(sent.length);

    const rows = await query<{ window_start: Date; events: number | null }>(
      "select window_start, (metrics->>'events')::int as events from metrics_cache where site_id = $1 order by window_start",
      [site.siteId],
    );
    // The 5 least recently computed (the earliest windows) are gone; the others hold real numbers.
    expect(rows).toHaveLength(EAGER_CACHE_RECOMPUTES);
    expect(new Date(rows[0].window_start).toISOString()).toBe("2026-03-02T15:00:00.000Z");
    expect(rows.every((r) => r.events === 0)).toBe(true);
    const [first] = rows;
    const win = `start=${new Date(first.window_start).toISOString()}&end=${new Date(new Date(first.window_start).getTime() + 3_600_000).toISOString()}`;
    const cached = (await (await api(`/metrics/cache/factory?${win}`, { headers: site.read })).json()) as Cached;
    const fresh = (await (await api(`/metrics/factory?${win}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(cached).toMatchObject({ cached: true, stale: false, pending_recompute: false });
    expect(cached.metrics).toEqual(fresh.metrics);
    // A dropped window is computed again on its next read, from the rebuilt data.
    const dropped = `start=2026-03-02T10:00:00Z&end=2026-03-02T11:00:00Z`;
    expect((await api(`/metrics/cache/factory?${dropped}`, { headers: site.read })).status).toBe(404);
    const again = (await (await api(`/metrics/cache/factory?${dropped}&populate=true`, { headers: site.read })).json()) as Cached;
    const freshDropped = (await (await api(`/metrics/factory?${dropped}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(again.metrics).toEqual(freshDropped.metrics);
  });
});

describe("while a recompute is pending", () => {
  it("flags any workstation's cached window it overlaps, and does not store a miss computed from the old rollups", async () => {
    const site = await newSite();
    await shift(site);
    // S2 is not where the late event below happens; a concurrent batch of another camera could
    // still have moved time there, so its entries count as behind too.
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T11:00:00Z", workstation_id: "S2" }) });
    await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN });
    const s2 = await fetchWith(testEnv, `/metrics/cache/workstation/S2?${DAY}&populate=true`, { headers: site.read });
    expect(await s2.json()).toMatchObject({ cached: false, stale: false });
    const sent = await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T08:40:00Z", event_type: "idle" })]);
    expect(sent.map((m) => `${m.entity_type}:${m.entity_id}`).sort()).toEqual([`factory:${site.siteId}`, "worker:W1", "workstation:S1"]);
    const flagged = (await (await api(`/metrics/cache/workstation/S2?${DAY}`, { headers: site.read })).json()) as Cached;
    expect(flagged).toMatchObject({ cached: true, stale: true, pending_recompute: true });

    const miss = await fetchWith(testEnv, `/metrics/cache/worker/W1?${DAY}&populate=true`, { headers: site.read });
    expect(await miss.json()).toMatchObject({ cached: false, stale: true, pending_recompute: true });
    expect(await query("select 1 from metrics_cache where site_id = $1 and entity_type = 'worker' and entity_id = 'W1'", [site.siteId])).toEqual([]);

    await deliver(testEnv, sent);
    const after = (await (await api(`/metrics/cache/workstation/S2?${DAY}`, { headers: site.read })).json()) as Cached;
    expect(after).toMatchObject({ cached: true, stale: false, pending_recompute: false });
  });

  it("a failed request merges into the entity's pending one, and the retry covers both windows", async () => {
    const site = await newSite();
    await shift(site);
    await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T08:10:00Z", event_type: "idle" })]);
    const [first] = await query<{ id: string }>("select id from recompute_requests where site_id = $1 and entity_type = 'worker'", [site.siteId]);
    const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
    try {
      expect((await claimRequests(conn.db, [Number(first.id)])).claimed).toHaveLength(1);
      // While it is being processed, a later batch makes a new pending request for W1.
      await postRecording(testEnv, site.auth, [event({ timestamp: "2026-03-02T10:10:00Z", event_type: "idle" })]);
      const [failed] = await failRequests(conn.db, [Number(first.id)], "boom", MAX_ATTEMPTS);
      expect(failed).toMatchObject({ id: Number(first.id), status: "done" });
    } finally {
      await conn.close();
    }
    const open = await query<{ window_start: Date; window_end: Date }>(
      "select window_start, window_end from recompute_requests where site_id = $1 and entity_type = 'worker' and status = 'pending'",
      [site.siteId],
    );
    expect(open.map((r) => [new Date(r.window_start).toISOString(), new Date(r.window_end).toISOString()])).toEqual([
      ["2026-03-02T08:00:00.000Z", "2026-03-02T11:00:00.000Z"],
    ]);
  });

  it("a window still open when recomputed keeps a stamp before its end (it stays live)", () => {
    const now = new Date("2026-03-02T09:59:58Z");
    const end = new Date("2026-03-02T10:00:00Z");
    expect(stampAfterRebuild(now, end).getTime()).toBeLessThan(end.getTime());
    expect(stampAfterRebuild(now, end).getTime()).toBeGreaterThanOrEqual(now.getTime());
    const closed = new Date("2026-03-02T09:00:00Z");
    expect(stampAfterRebuild(now, closed).getTime()).toBeGreaterThanOrEqual(now.getTime());
  });
});
