import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite } from "../../test/helpers";

const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
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
