// Issue 9: rollup-backed and cached metrics must equal fresh ones after any late data. Each case
// builds rollups and cache entries, posts late data through the API, lets the recompute settle
// (queue consumer and/or the pass, until nothing is pending) and compares what the cache serves,
// on a hit and on a populate miss read through rollups, with a fresh computation.
// Dated 2026-10-01, long before the tests run: every window is closed, nothing depends on the
// time of day.
import { describe, expect, it } from "vitest";
import { connect } from "../../db/client";
import { ROLLUP_FORMAT } from "../../db/metrics/parts";
import { ADMIN, deliverRecompute, event, fetchWith, newSite, query, recordingQueue, testEnv } from "../../test/helpers";
import type { RecomputeMessage } from "./message";

type Cached = { cached: boolean; stale: boolean; pending_recompute: boolean; computed_at: string; metrics: Record<string, unknown> };
type Fresh = { metrics: Record<string, unknown> };

const D = "2026-10-01";
const win = (start: string, end: string) => `start=${D}T${start}:00Z&end=${D}T${end}:00Z`;

const ev = (timestamp: string, worker_id: string, workstation_id: string, event_type: string, extra: Record<string, unknown> = {}) => ({
  timestamp: `${D}T${timestamp}:00Z`,
  worker_id,
  workstation_id,
  event_type,
  confidence: 0.9,
  ...extra,
});

/** A site with a recording queue: everything it posts or passes records the messages it sends. */
async function lateSite() {
  const site = await newSite();
  const rec = recordingQueue();
  let delivered = 0;
  const env = { ...testEnv, RECOMPUTE: rec.queue };
  const self = {
    ...site,
    sent: rec.sent,
    async post(events: unknown[]) {
      const res = await fetchWith(env, "/events/bulk", { method: "POST", headers: site.auth, json: events });
      expect(res.status, await res.clone().text()).toBe(200);
    },
    async pass() {
      const res = await fetchWith(env, `/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN });
      expect(res.status, await res.clone().text()).toBe(200);
    },
    /** Hands every message sent so far and not yet delivered to the queue consumer. */
    async deliver() {
      const batch: RecomputeMessage[] = rec.sent.slice(delivered);
      delivered = rec.sent.length;
      if (batch.length > 0) await deliverRecompute(testEnv, batch);
    },
    async pending(): Promise<number> {
      const res = await fetchWith(testEnv, `/recompute/pending?site=${site.siteId}`, { headers: ADMIN });
      expect(res.status).toBe(200);
      return ((await res.json()) as { total: number }).total;
    },
    /** Queue first, then the pass (and whatever it sent), until nothing is pending. */
    async settle() {
      await self.deliver();
      if ((await self.pending()) > 0) {
        await self.pass();
        await self.deliver();
      }
      expect(await self.pending(), "recompute requests still pending after delivering and a pass").toBe(0);
    },
    /** A cached read; populate=true, and the deferred cache write has landed when it returns. */
    async cached(path: string, window: string, populate = true): Promise<Cached> {
      const res = await fetchWith(testEnv, `/metrics/cache/${path}?${window}${populate ? "&populate=true" : ""}`, { headers: site.read });
      expect(res.status, `cache/${path}?${window}: ${await res.clone().text()}`).toBe(200);
      return (await res.json()) as Cached;
    },
    /** A read without populate: the entry, or null when it is not (any longer) cached. */
    async cachedOrMiss(path: string, window: string): Promise<Cached | null> {
      const res = await fetchWith(testEnv, `/metrics/cache/${path}?${window}`, { headers: site.read });
      if (res.status === 404) {
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe("cache_miss");
        return null;
      }
      expect(res.status, `cache/${path}?${window}: ${await res.clone().text()}`).toBe(200);
      return (await res.json()) as Cached;
    },
    async fresh(path: string, window: string): Promise<Fresh> {
      const res = await fetchWith(testEnv, `/metrics/${path}?${window}`, { headers: site.read });
      expect(res.status, `${path}?${window}: ${await res.clone().text()}`).toBe(200);
      return (await res.json()) as Fresh;
    },
    /**
     * The cached read (populate=true) is settled (not stale, nothing pending) and equals the fresh
     * one; `cached` false asserts a miss (a window never read before: the rollup-backed path).
     */
    async expectSettled(path: string, window: string, cached?: boolean): Promise<Cached> {
      const c = await self.cached(path, window);
      const f = await self.fresh(path, window);
      expect({ path, window, stale: c.stale, pending_recompute: c.pending_recompute }).toEqual({
        path,
        window,
        stale: false,
        pending_recompute: false,
      });
      if (cached !== undefined) expect(c.cached, `cache/${path}?${window} served from the cache`).toBe(cached);
      expect(c.metrics, `cache/${path}?${window} equals the fresh read`).toEqual(f.metrics);
      return c;
    },
  };
  return self;
}

const names = (list: unknown, key: string) => (list as Record<string, unknown>[]).map((x) => x[key]);

describe("late data: cached and rollup-backed metrics equal fresh ones", () => {
  it("an event that becomes a worker's first state event", async () => {
    const site = await lateSite();
    await site.post([ev("06:00", "W2", "S1", "absent"), ev("10:00", "W1", "S1", "working")]);
    await site.pass();
    const w = win("07:00", "11:00");
    const before = await site.cached("worker/W1", w);
    expect(before).toMatchObject({ cached: false, stale: false, metrics: { working_seconds: 600, unknown_seconds: 3000 } });
    expect(await site.cachedOrMiss("worker/W1", w)).toMatchObject({ cached: true });

    await site.post([ev("07:00", "W1", "S1", "working")]);
    await site.settle();

    const after = await site.expectSettled("worker/W1", w);
    expect(after.metrics).toMatchObject({ working_seconds: 1200, idle_seconds: 0, absent_seconds: 0, unknown_seconds: 13200 });
    // The same window on a miss (read through the rebuilt rollups), and the lists and factory.
    await site.expectSettled("worker/W1", win("07:00", "10:00"), false);
    await site.expectSettled("factory", w, false);
    await site.expectSettled("workers", w, false);
    await site.expectSettled("workstation/S1", w, false);
  });

  it("a new worker (and workstation) in rolled-up hours", async () => {
    const site = await lateSite();
    await site.post([ev("06:00", "W1", "S1", "working")]);
    await site.pass();
    const w = win("12:00", "13:00");
    const factoryBefore = await site.cached("factory", w);
    expect(factoryBefore.metrics).toMatchObject({ unknown_seconds: 3600 });
    await site.cached("workers", w);
    await site.cached("workstations", w);

    await site.post([ev("07:00", "W9", "S2", "working")]);
    await site.settle();

    const factory = await site.expectSettled("factory", w);
    expect(factory.metrics).toMatchObject({ unknown_seconds: 7200, working_seconds: 0 });
    // (an implementation may drop the lists when a worker or workstation is new: a miss then)
    const workers = await site.expectSettled("workers", w);
    expect(names(workers.metrics, "worker_id")).toEqual(["W1", "W9"]);
    const stations = await site.expectSettled("workstations", w);
    expect(names(stations.metrics, "workstation_id")).toEqual(["S1", "S2"]);
    const w9 = await site.expectSettled("worker/W9", w, false);
    expect(w9.metrics).toMatchObject({ worker_id: "W9", unknown_seconds: 3600, working_seconds: 0 });
    await site.expectSettled("workstation/S2", w, false);
    // The hour W9 appeared in, on a miss.
    await site.expectSettled("factory", win("07:00", "08:00"), false);
  });

  it("history uploaded after the site's first pass", async () => {
    const site = await lateSite();
    // No events yet: the watermark starts at the present, long after the history posted next.
    await site.pass();
    await site.post([ev("06:00", "W1", "S1", "working"), ev("10:00", "W1", "S1", "working")]);
    await site.settle();
    const w = win("06:00", "11:00");
    const one = await site.expectSettled("worker/W1", w, false);
    expect(one.metrics).toMatchObject({ working_seconds: 1200, unknown_seconds: 16800 });
    await site.expectSettled("factory", w, false);
    await site.expectSettled("workers", w, false);
    await site.expectSettled("workstations", w, false);
    await site.expectSettled("factory", win("08:00", "09:00"), false);
  });

  it("reads overlapping a pending recompute say stale, hits and populate misses alike", async () => {
    const site = await lateSite();
    await site.post([ev("06:00", "W2", "S1", "absent"), ev("10:00", "W1", "S1", "working")]);
    await site.pass();
    const cachedBefore: [string, string][] = [
      ["worker/W1", win("07:00", "11:00")],
      ["factory", win("07:00", "11:00")],
      ["workers", win("07:00", "11:00")],
      ["workstations", win("07:00", "11:00")],
      ["workstation/S1", win("07:00", "11:00")],
      ["factory", win("12:00", "13:00")],
      ["workers", win("12:00", "13:00")],
    ];
    for (const [path, w] of cachedBefore) expect(await site.cached(path, w)).toMatchObject({ stale: false, pending_recompute: false });

    // W1 was working from 07:00 (its first state event now), W9 from 07:00 at a new workstation.
    await site.post([ev("07:00", "W1", "S1", "working"), ev("07:00", "W9", "S2", "working")]);
    expect(site.sent.length, "the late events sent recompute messages").toBeGreaterThan(0);

    const stale = { stale: true, pending_recompute: true };
    for (const [path, w] of cachedBefore) {
      // Served from the cache and flagged, or dropped (e.g. a list naming every worker): not served.
      const hit = await site.cachedOrMiss(path, w);
      if (hit) expect({ path, w, ...pick(hit) }, "a hit").toEqual({ path, w, cached: true, ...stale });
      expect({ path, w, ...pick(await site.cached(path, w)) }, "populate").toMatchObject({ path, w, ...stale });
    }
    // Misses computed now from rollups the pending recompute has yet to rebuild.
    const misses: [string, string][] = [
      ["worker/W1", win("08:00", "09:00")],
      ["factory", win("08:00", "10:00")],
      ["workers", win("09:00", "10:00")],
      ["workstation/S1", win("07:30", "09:00")],
      ["factory", win("12:00", "14:00")],
      ["worker/W9", win("12:00", "13:00")],
      ["workstations", win("12:00", "13:00")],
    ];
    for (const [path, w] of misses) {
      expect({ path, w, ...pick(await site.cached(path, w)) }, "a populate miss").toEqual({ path, w, cached: false, ...stale });
    }

    await site.settle();
    for (const [path, w] of [...cachedBefore, ...misses]) await site.expectSettled(path, w);
  });
});

const pick = (c: Cached) => ({ cached: c.cached, stale: c.stale, pending_recompute: c.pending_recompute });

describe("a batch that waits for a rollup build", () => {
  // The builder holds the site row FOR UPDATE while it builds hours and moves the watermark; a batch
  // takes the row FOR SHARE, so it waits. An event it then stores in a just-built hour, though not
  // late for its worker, must still request a recompute: the batch reads the watermark the build
  // committed, not the one of the moment it started.
  it("sees the watermark the build moved and requests the hour it stored into", async () => {
    const site = await newSite();
    const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
    let batch: Promise<Response> | undefined;
    try {
      await conn.client.query("begin");
      await conn.client.query("select 1 from sites where site_id = $1 for update", [site.siteId]);
      const [{ pid }] = (await conn.client.query("select pg_backend_pid() as pid")).rows as { pid: number }[];
      await conn.client.query("update sites set rollups_built_until = '2026-03-02T10:00:00Z', rollups_format = $2 where site_id = $1", [
        site.siteId,
        ROLLUP_FORMAT,
      ]);
      // A new worker's only event, at 09:15: late for nobody, in an hour the build covers.
      batch = fetchWith(testEnv, "/events/bulk", {
        method: "POST",
        headers: site.auth,
        json: [event({ timestamp: "2026-03-02T09:15:00Z", worker_id: "W-new" })],
      });
      // Wait until the batch is blocked on the site row (through the lock graph: no sleeps).
      for (;;) {
        const blocked = await query("select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", [pid]);
        if (blocked.length) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await conn.client.query("commit");
    } finally {
      await conn.client.query("rollback").catch(() => {});
      await conn.close();
    }
    expect((await batch!).status).toBe(200);
    const requests = await query<{ entity_type: string; window_start: Date }>(
      "select entity_type, window_start from recompute_requests where site_id = $1 order by entity_type",
      [site.siteId],
    );
    expect(requests.map((r) => [r.entity_type, new Date(r.window_start).toISOString()])).toEqual([
      ["factory", "2026-03-02T09:00:00.000Z"],
      ["worker", "2026-03-02T09:00:00.000Z"],
      ["workstation", "2026-03-02T09:00:00.000Z"],
    ]);
  });
});
