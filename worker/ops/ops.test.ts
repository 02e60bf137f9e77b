import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, query, recordingQueue, testEnv } from "../../test/helpers";
import worker from "../index";

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };

describe("GET /api/health", () => {
  it("reports the database reachable", async () => {
    const res = await api("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", database: "ok" });
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers 503 when the database is unreachable", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://wpd.test/api/health"),
      { ...testEnv, DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(((await res.json()) as ErrorBody).error.code).toBe("database_unavailable");
  });
});

describe("admin endpoints", () => {
  it("refuse requests without the admin token, and site keys", async () => {
    const site = await newSite();
    for (const [method, path] of [["GET", "/debug/counts"], ["POST", "/setup-db"], ["POST", "/seed"], ["GET", "/recompute/pending"], ["POST", "/sites"]]) {
      const none = await api(path, { method });
      expect(none.status, `${method} ${path}`).toBe(401);
      const withSiteKey = await api(path, { method, headers: site.auth });
      expect(withSiteKey.status, `${method} ${path} with a site key`).toBe(401);
    }
  });

  it("are off when no ADMIN_TOKEN is configured", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://wpd.test/api/debug/counts", { headers: ADMIN }), { ...testEnv, ADMIN_TOKEN: undefined }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.code).toBe("admin_disabled");
  });

  it("setup-db is idempotent once migrations are applied", async () => {
    const res = await api("/setup-db", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ applied: [] });
  });

  it("debug/counts counts a site's events, duplicates and late events", async () => {
    const site = await newSite();
    await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [event({ timestamp: "2026-03-02T10:00:00Z" }), event({ timestamp: "2026-03-02T10:00:00Z" }), event({ timestamp: "2026-03-02T10:01:00Z", event_type: "product_count", count: 4 })],
    });
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T09:00:00Z" }) });
    const res = await api(`/debug/counts?site=${site.siteId}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sites: 1,
      workers: 1,
      workstations: 1,
      events: 3,
      late_events: 1,
      events_by_type: { working: 2, product_count: 1 },
      ingestion_log: { events: 3, times_seen: 4 },
      recompute_requests: { pending: 3 },
    });
  });

  it("recompute/pending lists the outbox of a site", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T10:00:00Z" }) });
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T10:20:00Z", event_type: "idle" }) });
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T10:10:00Z" }) });
    const res = await api(`/recompute/pending?site=${site.siteId}`, { headers: ADMIN });
    const body = (await res.json()) as { count: number; total: number; requests: { entity_type: string; status: string }[] };
    expect(body).toMatchObject({ count: 3, total: 3 });
    expect(body.requests.map((r) => r.entity_type).sort()).toEqual(["factory", "worker", "workstation"]);

    // The total counts beyond the listed page (the dashboard asks for one row and the total).
    const page = (await (await api(`/recompute/pending?site=${site.siteId}&limit=1`, { headers: ADMIN })).json()) as typeof body;
    expect(page).toMatchObject({ count: 1, total: 3 });
    const none = (await (await api(`/recompute/pending?site=nowhere`, { headers: ADMIN })).json()) as typeof body;
    expect(none).toEqual({ count: 0, total: 0, requests: [] });
  });
});

describe("sites", () => {
  it("creates a site with a key shown once and refuses a duplicate id", async () => {
    const res = await api("/sites", { method: "POST", headers: ADMIN, json: { site_id: `s-${Date.now()}`, name: "Plant 7", time_zone: "America/Chicago" } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { site_id: string; site_key: string };
    expect(body.site_key).toMatch(/^wpd_[0-9a-f]{48}$/);
    const stored = await query<{ api_key_hash: string }>("select api_key_hash from sites where site_id = $1", [body.site_id]);
    expect(stored[0].api_key_hash).not.toContain(body.site_key);
    const again = await api("/sites", { method: "POST", headers: ADMIN, json: { site_id: body.site_id, name: "Again" } });
    expect(again.status).toBe(409);
  });

  it("rejects an unknown time zone", async () => {
    const res = await api("/sites", { method: "POST", headers: ADMIN, json: { site_id: "tz-test", name: "X", time_zone: "Mars/Olympus" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details[0].path).toBe("time_zone");
  });
});

describe("POST /api/seed", () => {
  it("creates the demo site and streams generated events through the ingest path", async () => {
    const before = await query<{ n: string }>("select count(*) as n from events where site_id = 'demo'");
    const res = await api("/seed?events=3000&days=1&seed=7", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { site_id: string; received: number; inserted: number; duplicates: number };
    expect(body.site_id).toBe("demo");
    expect(body.received).toBeGreaterThan(2500);
    expect(body.duplicates).toBeGreaterThan(0); // the generator re-sends a few events like a camera would
    const after = await query<{ n: string }>("select count(*) as n from events where site_id = 'demo'");
    expect(Number(after[0].n) - Number(before[0].n)).toBe(body.inserted);
  });

  it("sends the recompute requests its late events record to the queue", async () => {
    const { queue, sent } = recordingQueue();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://wpd.test/api/seed?events=3000&days=1&seed=11", { method: "POST", headers: ADMIN }),
      { ...testEnv, RECOMPUTE: queue },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const body = (await res.json()) as { late: number; recompute_requests: number };
    expect(body.late).toBeGreaterThan(0);
    expect(body.recompute_requests).toBeGreaterThan(0);
    expect(sent).toHaveLength(body.recompute_requests);
  });

  it("rejects an unknown size", async () => {
    const res = await api("/seed?size=gigantic", { method: "POST", headers: ADMIN });
    expect(res.status).toBe(400);
  });
});

describe("unknown routes", () => {
  it("answer 404 in the error envelope", async () => {
    const res = await api("/nope");
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
  });
});
