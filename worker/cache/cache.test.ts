import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, query } from "../../test/helpers";

const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
/** The site's cached events count once a deferred cache write has landed; fails after 2 s without one. */
async function cachedEvents(siteId: string, expected?: number): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const [row] = await query<{ events: number }>("select (metrics->>'events')::int as events from metrics_cache where site_id = $1", [siteId]);
    if (row && (expected === undefined || row.events === expected)) return row.events;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no cache entry${expected === undefined ? "" : ` with ${expected} events`} for ${siteId} after 2 s`);
}

type Body = { cached: boolean; stale: boolean; computed_at: string; metrics: Record<string, unknown>; error?: { code: string } };

describe("GET /api/metrics/cache", () => {
  it("misses without populate, computes and stores with it, then serves the stored result", async () => {
    const site = await newSite();
    await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [event({ timestamp: "2026-03-02T08:00:00Z" }), event({ timestamp: "2026-03-02T08:05:00Z", event_type: "idle" })],
    });
    const miss = await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.auth });
    expect(miss.status).toBe(404);
    expect(((await miss.json()) as Body).error?.code).toBe("cache_miss");

    const populated = (await (await api(`/metrics/cache/worker/W1?${DAY}&populate=true`, { headers: site.auth })).json()) as Body;
    expect(populated).toMatchObject({ cached: false, stale: false });
    expect(populated.metrics).toMatchObject({ worker_id: "W1", working_seconds: 300, idle_seconds: 600 }); // the open last interval runs to the 600 s cap

    // The entry is stored just after the populating response went out.
    let hit = (await (await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.auth })).json()) as Body;
    for (let i = 0; i < 20 && !hit.cached; i++) {
      await new Promise((r) => setTimeout(r, 50));
      hit = (await (await api(`/metrics/cache/worker/W1?${DAY}`, { headers: site.auth })).json()) as Body;
    }
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
    const read = async () => (await (await api(`/metrics/cache/factory?${live}&populate=true`, { headers: site.auth })).json()) as Body;
    const first = await read();
    await cachedEvents(site.siteId, 1);
    expect(first.metrics).toMatchObject({ events: 1 });

    // An on-time event records no recompute request; the entry is half a minute old.
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: at(5), event_type: "idle" }) });
    await query("update metrics_cache set computed_at = computed_at - interval '30 seconds' where site_id = $1", [site.siteId]);
    const served = await read();
    expect(served).toMatchObject({ cached: true, stale: false, metrics: { events: 1 } });

    let next = await read();
    for (let i = 0; i < 40 && (next.metrics as { events: number }).events === 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      next = await read();
    }
    expect(next).toMatchObject({ cached: true, metrics: { events: 2 } });
    expect(Date.parse(next.computed_at)).toBeGreaterThan(Date.parse(served.computed_at));
  });

  it("computes an outdated live entry before answering a reader that may populate", async () => {
    const site = await newSite();
    const hour = 3600_000;
    const start = new Date(Math.floor(Date.now() / hour) * hour - hour);
    const live = `start=${start.toISOString()}&end=${new Date(start.getTime() + 3 * hour).toISOString()}`;
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: start.toISOString() }) });
    const read = async (populate: boolean) =>
      (await (await api(`/metrics/cache/factory?${live}&populate=${populate}`, { headers: site.auth })).json()) as Body;
    await read(true);
    await cachedEvents(site.siteId, 1);
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: new Date(start.getTime() + 60_000).toISOString(), event_type: "idle" }) });
    await query("update metrics_cache set computed_at = computed_at - interval '10 minutes' where site_id = $1", [site.siteId]);

    expect(await read(true)).toMatchObject({ cached: false, stale: false, metrics: { events: 2 } });

    // Without populate the entry is all there is: served as it is, flagged stale, not recomputed.
    await cachedEvents(site.siteId, 2);
    await query("update metrics_cache set computed_at = computed_at - interval '10 minutes' where site_id = $1", [site.siteId]);
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: new Date(start.getTime() + 120_000).toISOString() }) });
    expect(await read(false)).toMatchObject({ cached: true, stale: true, metrics: { events: 2 } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await cachedEvents(site.siteId)).toBe(2);
  });

  it("reads an entry written in another shape (an older worker's, mid-deploy) as a miss, and replaces it", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    await query(
      `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics, computed_at)
       values ($1, 'factory', $1, '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z', '{"hourly": [{"working_seconds": 1}]}', now() + interval '1 hour')`,
      [site.siteId],
    );
    const read = async () => (await (await api(`/metrics/cache/factory?${DAY}&populate=true`, { headers: site.auth })).json()) as Body;
    const first = await read();
    expect(first.cached).toBe(false);
    expect((first.metrics.hourly as Record<string, unknown>[])[8]).toMatchObject({ idle_seconds: 0, absent_seconds: 0 });
    let again = await read();
    for (let i = 0; i < 40 && !again.cached; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await read();
    }
    expect(again).toMatchObject({ cached: true, metrics: first.metrics });
  });

  it("does not recompute an entry of a window that had ended when it was computed", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:00:00Z" }) });
    const read = async () => (await (await api(`/metrics/cache/factory?${DAY}&populate=true`, { headers: site.auth })).json()) as Body;
    const first = await read();
    await cachedEvents(site.siteId, 1);
    await query("update metrics_cache set computed_at = computed_at - interval '1 hour' where site_id = $1", [site.siteId]);
    const [{ computed_at: backdated }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    expect((await read()).cached).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const [{ computed_at: after }] = await query<{ computed_at: Date }>("select computed_at from metrics_cache where site_id = $1", [site.siteId]);
    expect(new Date(after).getTime()).toBe(new Date(backdated).getTime());
    expect(first.cached).toBe(false);
  });

  it("answers 404 for an unknown worker and caches nothing", async () => {
    const site = await newSite();
    const res = await api(`/metrics/cache/worker/nobody?${DAY}&populate=true`, { headers: site.auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Body).error?.code).toBe("worker_not_found");
  });

  it("validates the window and the caller", async () => {
    const a = await newSite();
    const b = await newSite();
    expect((await api(`/metrics/cache/factory?start=2026-03-03T00:00:00Z&end=2026-03-02T00:00:00Z`, { headers: a.auth })).status).toBe(400);
    expect((await api(`/metrics/cache/factory?start=yesterday&end=2026-03-02T00:00:00Z`, { headers: a.auth })).status).toBe(400);
    expect((await api(`/metrics/cache/factory?${DAY}`)).status).toBe(401);
    expect((await api(`/metrics/cache/factory?${DAY}&site=${b.siteId}`, { headers: a.auth })).status).toBe(403);
    expect((await api(`/metrics/cache/factory?${DAY}`, { headers: ADMIN })).status).toBe(400);
  });
});
