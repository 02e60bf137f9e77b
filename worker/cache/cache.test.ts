import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../db/client";
import { CACHE_FORMAT, evictBeyondLimit } from "../../db/metrics-cache";
import { MAX_CACHE_ENTRIES_PER_SITE } from "./policy";
import { ADMIN, api, event, fetchWith, newSite, query, testEnv } from "../../test/helpers";

const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";

/**
 * A cache read that returns once the request's background work is done: the deferred cache write
 * (or refresh) has landed, or there was none.
 */
const read = async (path: string, headers: Record<string, string>) => (await (await fetchWith(testEnv, path, { headers })).json()) as Body;

/** The `events` figure of each of the site's cache entries. */
async function cachedEvents(siteId: string): Promise<number[]> {
  const rows = await query<{ events: number }>("select (metrics->>'events')::int as events from metrics_cache where site_id = $1", [siteId]);
  return rows.map((r) => r.events);
}

type Body = {
  cached: boolean;
  stale: boolean;
  computed_at: string;
  window: { start: string; end: string };
  metrics: Record<string, unknown>;
  error?: { code: string; details: { path: string }[] };
};

describe("GET /api/metrics/cache", () => {
  it("misses without populate, computes and stores with it, then serves the stored result", async () => {
    const site = await newSite();
    await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [event({ timestamp: "2026-03-02T08:00:00Z" }), event({ timestamp: "2026-03-02T08:05:00Z", event_type: "idle" })],
    });
    const miss = await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.read });
    expect(miss.status).toBe(404);
    expect(((await miss.json()) as Body).error?.code).toBe("cache_miss");

    const populated = await read(`/metrics/cache/worker/W1?${DAY}&populate=true`, site.read);
    expect(populated).toMatchObject({ cached: false, stale: false });
    expect(populated.metrics).toMatchObject({ worker_id: "W1", working_seconds: 300, idle_seconds: 600 }); // the open last interval runs to the 600 s cap

    // The entry is stored just after the populating response went out.
    const hit = await read(`/metrics/cache/worker/W1?${DAY}`, site.read);
    expect(hit).toMatchObject({ cached: true, stale: false, computed_at: populated.computed_at });
    expect(hit.metrics).toEqual(populated.metrics);

    // The admin token reads any site with ?site=.
    const asAdmin = (await (await api(`/metrics/cache/worker/W1?${DAY}&site=${site.siteId}`, { headers: ADMIN })).json()) as Body;
    expect(asAdmin.metrics).toEqual(populated.metrics);
  });

  it("serves a live window's entry at once and brings it up to date for the next read", async () => {
    const site = await newSite();
    const hour = 3600_000;
    const start = new Date(Math.floor(Date.now() / hour) * hour - hour);
    const at = (min: number) => new Date(start.getTime() + min * 60_000).toISOString();
    const live = `start=${start.toISOString()}&end=${new Date(start.getTime() + 3 * hour).toISOString()}`;
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: at(0) }) });
    const readLive = () => read(`/metrics/cache/factory?${live}&populate=true`, site.read);
    const first = await readLive();
    expect(first).toMatchObject({ cached: false, metrics: { events: 1 } });
    expect(await cachedEvents(site.siteId)).toEqual([1]);

    // An on-time event records no recompute request; the entry is half a minute old.
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: at(5), event_type: "idle" }) });
    await query("update metrics_cache set computed_at = computed_at - interval '30 seconds' where site_id = $1", [site.siteId]);
    const served = await readLive();
    expect(served).toMatchObject({ cached: true, stale: false, metrics: { events: 1 } });
    // It was recomputed just after that answer.
    expect(await cachedEvents(site.siteId)).toEqual([2]);

    const next = await readLive();
    expect(next).toMatchObject({ cached: true, stale: false, metrics: { events: 2 } });
    expect(Date.parse(next.computed_at)).toBeGreaterThan(Date.parse(served.computed_at));
  });

  it("computes an outdated live entry before answering a reader that may populate", async () => {
    const site = await newSite();
    const hour = 3600_000;
    const start = new Date(Math.floor(Date.now() / hour) * hour - hour);
    const live = `start=${start.toISOString()}&end=${new Date(start.getTime() + 3 * hour).toISOString()}`;
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: start.toISOString() }) });
    const readLive = (populate: boolean) => read(`/metrics/cache/factory?${live}&populate=${populate}`, site.read);
    await readLive(true);
    expect(await cachedEvents(site.siteId)).toEqual([1]);
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: new Date(start.getTime() + 60_000).toISOString(), event_type: "idle" }) });
    await query("update metrics_cache set computed_at = computed_at - interval '10 minutes' where site_id = $1", [site.siteId]);

    expect(await readLive(true)).toMatchObject({ cached: false, stale: false, metrics: { events: 2 } });
    expect(await cachedEvents(site.siteId)).toEqual([2]);

    // Without populate the entry is all there is: served as it is, flagged stale, not recomputed
    // (the read has returned with its background work done, and the entry is as it was).
    await query("update metrics_cache set computed_at = computed_at - interval '10 minutes' where site_id = $1", [site.siteId]);
    const [{ computed_at: backdated }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: new Date(start.getTime() + 120_000).toISOString() }) });
    expect(await readLive(false)).toMatchObject({ cached: true, stale: true, computed_at: new Date(backdated).toISOString(), metrics: { events: 2 } });
    expect(await cachedEvents(site.siteId)).toEqual([2]);
    const [{ computed_at: after }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    expect(new Date(after).toISOString()).toBe(new Date(backdated).toISOString());
  });

  it("reads an entry written in another shape (an older worker's, mid-deploy) as a miss, and replaces it", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    await query(
      `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at)
       values ($1, 'factory', $1, '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z', '{"hourly": [{"working_seconds": 1}]}', now() + interval '1 hour')`,
      [site.siteId],
    );
    const readDay = () => read(`/metrics/cache/factory?${DAY}&populate=true`, site.read);
    const first = await readDay();
    expect(first.cached).toBe(false);
    expect((first.metrics.hourly as Record<string, unknown>[])[8]).toMatchObject({ idle_seconds: 0, absent_seconds: 0 });
    // Replaced in place: one entry, of this code's shape, with the new numbers.
    const rows = await query<{ format: number; computed_at: Date }>("select format, computed_at from metrics_cache where site_id = $1", [site.siteId]);
    expect(rows.map((r) => ({ format: r.format, computed_at: new Date(r.computed_at).toISOString() }))).toEqual([
      { format: CACHE_FORMAT, computed_at: first.computed_at },
    ]);
    const again = await readDay();
    expect(again).toMatchObject({ cached: true, computed_at: first.computed_at, metrics: first.metrics });
  });

  it("never serves an entry of another format, however fresh and final it looks", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    // A key one bit away from this code's, and the last hand-bumped version: each is a miss.
    for (const format of [CACHE_FORMAT ^ 1, 3]) {
      await query(
        `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at, format)
         values ($1, 'factory', $1, '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z', '{"events": 99}', now(), $2)
         on conflict (site_id, entity_type, entity_id, window_start, window_end) do update set metrics = excluded.metrics, format = excluded.format`,
        [site.siteId, format],
      );
      const res = await fetchWith(testEnv, `/metrics/cache/factory?${DAY}`, { headers: site.read });
      expect(res.status, String(format)).toBe(404);
      expect(((await res.json()) as Body).error?.code).toBe("cache_miss");
      expect(await read(`/metrics/cache/factory?${DAY}&populate=true`, site.read)).toMatchObject({ cached: false, metrics: { events: 1 } });
      expect(await query("select format from metrics_cache where site_id = $1", [site.siteId])).toEqual([{ format: CACHE_FORMAT }]);
    }
  });

  it("does not recompute an entry of a window that had ended when it was computed", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    const readDay = () => read(`/metrics/cache/factory?${DAY}&populate=true`, site.read);
    const first = await readDay();
    expect(first).toMatchObject({ cached: false, metrics: { events: 1 } });
    expect(await cachedEvents(site.siteId)).toEqual([1]);
    await query("update metrics_cache set computed_at = computed_at - interval '1 hour' where site_id = $1", [site.siteId]);
    const [{ computed_at: backdated }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    // Served with its background work done: the entry is as it was.
    expect(await readDay()).toMatchObject({ cached: true, stale: false, computed_at: new Date(backdated).toISOString(), metrics: first.metrics });
    const [{ computed_at: after }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    expect(new Date(after).toISOString()).toBe(new Date(backdated).toISOString());
  });

  it("answers 404 for an unknown worker and caches nothing", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    const res = await fetchWith(testEnv, `/metrics/cache/worker/nobody?${DAY}&populate=true`, { headers: site.read });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Body).error?.code).toBe("worker_not_found");
    expect(await query("select entity_type, entity_id from metrics_cache where site_id = $1", [site.siteId])).toEqual([]);
    // The same window of a worker the site has is cached.
    expect(await read(`/metrics/cache/worker/W1?${DAY}&populate=true`, site.read)).toMatchObject({ cached: false });
    expect(await query("select entity_type, entity_id from metrics_cache where site_id = $1", [site.siteId])).toEqual([{ entity_type: "worker", entity_id: "W1" }]);
  });

  it("validates the window and the caller", async () => {
    const a = await newSite();
    const b = await newSite();
    expect((await api(`/metrics/cache/factory?start=2026-03-03T00:00:00Z&end=2026-03-02T00:00:00Z`, { headers: a.read })).status).toBe(400);
    expect((await api(`/metrics/cache/factory?start=yesterday&end=2026-03-02T00:00:00Z`, { headers: a.read })).status).toBe(400);
    expect((await api(`/metrics/cache/factory?${DAY}`)).status).toBe(401);
    expect((await api(`/metrics/cache/factory?${DAY}&site=${b.siteId}`, { headers: a.read })).status).toBe(403);
    // A site's ingest key only sends events: it cannot read, even its own site.
    const ingestKey = await api(`/metrics/cache/factory?${DAY}`, { headers: a.auth });
    expect(ingestKey.status).toBe(403);
    expect(((await ingestKey.json()) as Body).error?.code).toBe("ingest_key_cannot_read");
    expect((await api(`/metrics/cache/factory?${DAY}`, { headers: ADMIN })).status).toBe(400);
  });
});

describe("cached windows are whole seconds", () => {
  it("takes both bounds down to the second, and answers and caches that window", async () => {
    const site = await newSite();
    await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [
        // before the asked start, inside the normalised one: counted
        event({ timestamp: "2026-03-02T00:00:00.100Z" }),
        event({ timestamp: "2026-03-02T12:00:00Z", event_type: "idle" }),
        // before the asked end, at the normalised one: not counted
        event({ timestamp: "2026-03-03T00:00:00.500Z", event_type: "product_count", count: 5 }),
      ],
    });
    const first = await read(`/metrics/cache/factory?start=2026-03-02T00:00:00.400Z&end=2026-03-03T00:00:00.900Z&populate=true`, site.read);
    expect(first).toMatchObject({
      cached: false,
      window: { start: "2026-03-02T00:00:00.000Z", end: "2026-03-03T00:00:00.000Z" },
      metrics: { events: 2, units: 0 },
    });
    // Exactly what the fresh computation gives for the whole-second window.
    const fresh = (await (await api(`/metrics/factory?${DAY}`, { headers: site.read })).json()) as { metrics: Record<string, unknown> };
    expect(first.metrics).toEqual(fresh.metrics);

    // Any window within the same seconds (an offset too) is that entry.
    for (const window of [DAY, "start=2026-03-02T00:00:00.999Z&end=2026-03-03T00:00:00.001Z", "start=2026-03-02T01:00:00.5%2B01:00&end=2026-03-03T00:00:00.2Z"]) {
      expect(await read(`/metrics/cache/factory?${window}`, site.read), window).toMatchObject({
        cached: true,
        computed_at: first.computed_at,
        window: { start: "2026-03-02T00:00:00.000Z", end: "2026-03-03T00:00:00.000Z" },
        metrics: first.metrics,
      });
    }
    const rows = await query<{ window_start: Date; window_end: Date }>("select window_start, window_end from metrics_cache where site_id = $1", [site.siteId]);
    expect(rows.map((r) => [new Date(r.window_start).toISOString(), new Date(r.window_end).toISOString()])).toEqual([
      ["2026-03-02T00:00:00.000Z", "2026-03-03T00:00:00.000Z"],
    ]);
  });

  it("refuses a window that would be empty once normalised, as a reversed one", async () => {
    const site = await newSite();
    for (const window of [
      "start=2026-03-02T00:00:00.200Z&end=2026-03-02T00:00:00.700Z",
      "start=2026-03-02T00:00:00.200Z&end=2026-03-02T00:00:00.999Z",
      "start=2026-03-02T00:00:01Z&end=2026-03-02T00:00:00.500Z",
    ]) {
      const res = await fetchWith(testEnv, `/metrics/cache/factory?${window}&populate=true`, { headers: site.read });
      expect(res.status, window).toBe(400);
      const body = (await res.json()) as Body;
      expect(body.error?.code).toBe("validation_failed");
      expect(body.error?.details.map((d) => d.path)).toEqual(["end"]);
    }
    // An empty window asked as such is still answered, as before.
    const empty = await read(`/metrics/cache/factory?start=2026-03-02T00:00:00.300Z&end=2026-03-02T00:00:00.300Z&populate=true`, site.read);
    expect(empty).toMatchObject({ cached: false, window: { start: "2026-03-02T00:00:00.000Z", end: "2026-03-02T00:00:00.000Z" } });
    // One second apart once normalised is a valid window.
    const second = await read(`/metrics/cache/factory?start=2026-03-02T00:00:00.900Z&end=2026-03-02T00:00:01.100Z&populate=true`, site.read);
    expect(second).toMatchObject({ cached: false, window: { start: "2026-03-02T00:00:00.000Z", end: "2026-03-02T00:00:01.000Z" } });
  });
});

describe("the bound on a site's cache entries", () => {
  /**
   * Stores `n` factory entries for the site, one per day from 2000-01-01; the later the window, the
   * earlier it was computed (so least recently computed and oldest window are different entries).
   */
  async function fill(siteId: string, n: number) {
    await query(
      `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at, format)
       select $1, 'factory', $1, timestamptz '2000-01-01' + i * interval '1 day', timestamptz '2000-01-01' + (i + 1) * interval '1 day',
              '{}'::jsonb, timestamptz '2026-06-01' - i * interval '1 minute', $3
       from generate_series(0, $2::int - 1) i`,
      [siteId, n, CACHE_FORMAT],
    );
  }
  /** The days (0 = 2000-01-01) of the site's entries' windows, in order. */
  async function days(siteId: string): Promise<number[]> {
    const rows = await query<{ day: number }>(
      `select (extract(epoch from window_start - timestamptz '2000-01-01') / 86400)::int as day from metrics_cache where site_id = $1 order by 1`,
      [siteId],
    );
    return rows.map((r) => r.day);
  }
  async function evict(siteId: string | null, limit: number) {
    const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
    try {
      return await evictBeyondLimit(conn.db, siteId, limit);
    } finally {
      await conn.close();
    }
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("keeps a site's most recently computed entries, and no other site's are touched", async () => {
    const a = await newSite();
    const b = await newSite();
    await fill(a.siteId, 6);
    await fill(b.siteId, 5);
    expect(await evict(a.siteId, 3)).toBe(3);
    expect(await days(a.siteId)).toEqual([0, 1, 2]);
    expect(await days(b.siteId)).toEqual([0, 1, 2, 3, 4]);
    // At the limit nothing goes.
    expect(await evict(a.siteId, 3)).toBe(0);
    expect(await days(a.siteId)).toEqual([0, 1, 2]);

    // Entries computed at the same time (the cron stamps its three alike): the later window stays.
    await query("update metrics_cache set computed_at = '2026-06-01' where site_id = $1", [a.siteId]);
    expect(await evict(a.siteId, 2)).toBe(1);
    expect(await days(a.siteId)).toEqual([1, 2]);
  });

  it("bounds every site at once when no site is given", async () => {
    // Limits well above what other test files' sites hold in the shared database.
    const limit = 150;
    const a = await newSite();
    const b = await newSite();
    await fill(a.siteId, limit + 4);
    await fill(b.siteId, limit);
    expect(await evict(null, limit)).toBe(4);
    expect(await days(a.siteId)).toEqual(Array.from({ length: limit }, (_, i) => i));
    expect(await days(b.siteId)).toEqual(Array.from({ length: limit }, (_, i) => i));
  });

  it("is checked on some of the writes a cache miss makes", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    await fill(site.siteId, MAX_CACHE_ENTRIES_PER_SITE);
    const count = async () => Number((await query<{ n: string }>("select count(*) as n from metrics_cache where site_id = $1", [site.siteId]))[0].n);

    // Most writes only write: the site goes one over its bound.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    expect(await read(`/metrics/cache/factory?${DAY}&populate=true`, site.read)).toMatchObject({ cached: false, metrics: { events: 1 } });
    expect(await count()).toBe(MAX_CACHE_ENTRIES_PER_SITE + 1);

    // A write that checks brings the site back to its bound: the least recently computed entries
    // go (the 2,000 filled ones were computed in June), the ones just computed stay.
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(await read(`/metrics/cache/worker/W1?${DAY}&populate=true`, site.read)).toMatchObject({ cached: false, metrics: { events: 1 } });
    expect(await count()).toBe(MAX_CACHE_ENTRIES_PER_SITE);
    const filled = await days(site.siteId);
    expect(filled.slice(0, -2)).toEqual(Array.from({ length: MAX_CACHE_ENTRIES_PER_SITE - 2 }, (_, i) => i));
    expect(await query("select entity_type, entity_id from metrics_cache where site_id = $1 and window_start = '2026-03-02' order by 1", [site.siteId])).toEqual([
      { entity_type: "factory", entity_id: site.siteId },
      { entity_type: "worker", entity_id: "W1" },
    ]);
  });
});
