// @vitest-environment node
// The loaders against the real API (app/test/api-setup.ts), signed in as a user of the demo site:
// what they return must be what the API answers for the same window, through the service binding
// or the API_BASE fallback alike.
import { describe, expect, it } from "vitest";
import { resolveWindow } from "../lib/window";
import {
  apiBinding as binding,
  apiEnvs,
  apiToken as token,
  apiUrl,
  cookieOf,
  env,
  loaderArgs as args,
  loaderFailure,
  sessionSecret,
  siteId,
} from "../test/loader-harness";
import { loader as exportLoader } from "./sites.$site.export.$table";
import { loader as siteLoader } from "./sites.$site._index";
import { loader as workerLoader } from "./sites.$site.workers.$id";
import { loader as orgLoader } from "./_index";

async function direct<T>(path: string, window: { start: Date; end: Date }): Promise<T> {
  const url = new URL(`/api${path}`, apiUrl);
  url.search = new URLSearchParams({ site: siteId, start: window.start.toISOString(), end: window.end.toISOString(), populate: "true" }).toString();
  return (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
}

/** What a loader threw as an error response. */
async function failure(p: Promise<unknown>) {
  const err = await loaderFailure(p);
  expect(err, "the loader should have failed").toBeDefined();
  return err;
}

const site = `/sites/${siteId}`;
const params = { site: siteId };

describe("site overview loader", () => {
  it.each(apiEnvs)("returns the API's figures for the window in the URL, through %s", async (_, env) => {
    const cookie = await cookieOf("manager");
    const asked = Date.now();
    const d = await siteLoader(args(`${site}?window=yesterday`, env, params, { cookie }));
    // The window as of the instant the loader resolved it (a clock read after it could be past
    // midnight), which is the time of the request.
    expect(d.window.asOf.getTime()).toBeGreaterThanOrEqual(asked);
    expect(d.window.asOf.getTime()).toBeLessThanOrEqual(Date.now());
    const w = resolveWindow(new URLSearchParams("window=yesterday"), d.site.timeZone, d.window.asOf);
    expect(d.site).toMatchObject({ id: siteId, timeZone: "Europe/Berlin", role: "manager", workerDetail: true });
    expect([d.window.start, d.window.end]).toEqual([w.start, w.end]);
    const factory = await direct<{ metrics: { units: number; events: number } }>("/metrics/cache/factory", w);
    const workers = await direct<{ metrics: { worker_id: string; units: number }[] }>("/metrics/cache/workers", w);
    expect(factory.metrics.events).toBeGreaterThan(0);
    expect(d.factory.metrics.units).toBe(factory.metrics.units);
    expect(d.workers!.map((x) => [x.worker_id, x.units])).toEqual(workers.metrics.map((x) => [x.worker_id, x.units]));
    // The first read computed the entry (populate=true); now it is served from the cache.
    expect((await siteLoader(args(`${site}?window=yesterday`, env, params, { cookie }))).factory.cached).toBe(true);
  });

  it("says what is wrong when the dashboard or the API is broken", async () => {
    const cookie = await cookieOf("manager");
    const at = (e: Parameters<typeof args>[1]) => siteLoader(args(site, e, params, { cookie }));
    expect(await failure(at({ API_BASE: apiUrl }))).toEqual({ status: 500, code: "session_secret_missing" });
    expect(await failure(at({ SESSION_SECRET: sessionSecret }))).toEqual({ status: 502, code: "api_not_configured" });
    expect(await failure(at({ API_BASE: "http://127.0.0.1:9", SESSION_SECRET: sessionSecret }))).toEqual({ status: 502, code: "api_unreachable" });
    const deadBinding = { fetch: async () => new Response("Service unavailable", { status: 503 }) };
    expect(await failure(at({ API: deadBinding, SESSION_SECRET: sessionSecret }))).toEqual({ status: 502, code: "api_unreachable" });
  });

  it("falls back to API_BASE when the service binding fails without the API's answer", async () => {
    const cookie = await cookieOf("manager");
    const deadBinding = { fetch: async () => new Response("Service unavailable", { status: 503 }) };
    const throwingBinding = { fetch: async (): Promise<Response> => { throw new Error("not connected"); } };
    const direct = await siteLoader(args(`${site}?window=yesterday`, { API_BASE: apiUrl, SESSION_SECRET: sessionSecret }, params, { cookie }));
    expect(direct.factory.metrics.events).toBeGreaterThan(0);
    for (const API of [deadBinding, throwingBinding]) {
      const d = await siteLoader(args(`${site}?window=yesterday`, { API, API_BASE: apiUrl, SESSION_SECRET: sessionSecret }, params, { cookie }));
      // Yesterday is closed: the fallback's figures are exactly those API_BASE gives.
      expect(d.factory.metrics).toEqual(direct.factory.metrics);
      expect(d.workers).toEqual(direct.workers);
    }
  });
});

describe("organisation overview loader", () => {
  it("shows each of the user's sites with today's figures in its own time zone", async () => {
    const d = await orgLoader(args("/", env, {}, { cookie: await cookieOf("manager") }));
    expect(d.sites.map((s) => s.id)).toEqual([siteId]);
    const [demo] = d.sites;
    expect(demo).toMatchObject({ id: siteId, timeZone: "Europe/Berlin", role: "manager", problem: null });
    const today = resolveWindow(new URLSearchParams("window=today"), "Europe/Berlin", new Date(d.now));
    const api = await direct<{ metrics: { units: number; active_workers: number } }>("/metrics/cache/factory", today);
    expect(demo.figures).toMatchObject({ units: api.metrics.units, active_workers: api.metrics.active_workers, pending_recompute: expect.any(Boolean) });
    // And the current shift's.
    const shift = resolveWindow(new URLSearchParams("window=shift"), "Europe/Berlin", new Date(d.now));
    const onShift = await direct<{ metrics: { units: number; active_workers: number } }>("/metrics/cache/factory", shift);
    expect(demo.shift).toMatchObject({ start: shift.start.toISOString(), end: shift.end.toISOString(), units: onShift.metrics.units });
  });

  it("shows an owner every site", async () => {
    const d = await orgLoader(args("/", env, {}, { cookie: await cookieOf("owner") }));
    expect(d.owner).toBe(true);
    expect(d.sites.map((s) => s.id)).toContain(siteId);
    expect(d.sites.every((s) => s.role === "owner")).toBe(true);
  });
});

describe("worker loader", () => {
  it("returns the worker's metrics and timeline, whose working time adds up", async () => {
    const d = await workerLoader(args(`${site}/workers/W1?window=yesterday`, env, { ...params, id: "W1" }, { cookie: await cookieOf("manager") }));
    expect(d.worker.metrics.worker_id).toBe("W1");
    const working = d.timeline.intervals.filter((i) => i.state === "working").reduce((s, i) => s + (Date.parse(i.end) - Date.parse(i.start)) / 1000, 0);
    // Yesterday is closed: the cached figure and the timeline describe the same finished day.
    expect(working).toBeCloseTo(d.worker.metrics.working_seconds, 3);
    expect(d.timeline.confidence_by_model.reduce((s, m) => s + m.events, 0)).toBe(d.worker.metrics.events);
  });

  it("answers 404 for a worker the site has never seen", async () => {
    const cookie = await cookieOf("manager");
    expect(await failure(workerLoader(args(`${site}/workers/nobody?window=yesterday`, env, { ...params, id: "nobody" }, { cookie })))).toEqual({
      status: 404,
      code: "worker_not_found",
    });
  });
});

describe("CSV export", () => {
  it("writes the workers table for the window", async () => {
    const cookie = await cookieOf("manager");
    const res = (await exportLoader(args(`${site}/export/workers?window=yesterday`, env, { ...params, table: "workers" }, { cookie }))) as Response;
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="demo-workers-\d{8}T\d{4}-\d{8}T\d{4}\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^Worker,Utilization %,/);
    expect(lines.length).toBe(7); // header + 6 demo workers
  });

  it("answers a failure as plain text with its status, code, message and what to do", async () => {
    const cookie = await cookieOf("manager");
    const unreachable = { API_BASE: "http://127.0.0.1:9", SESSION_SECRET: sessionSecret };
    const res = (await exportLoader(args(`${site}/export/workers?window=yesterday`, unreachable, { ...params, table: "workers" }, { cookie }))) as Response;
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const body = await res.text();
    expect(body).toMatch(/^The CSV could not be made: .+\n/);
    expect(body).toContain("What to do: Start the API");
    expect(body).toContain("api_unreachable · 502");

    const missing = (await exportLoader(args(`/sites/no-such-site/export/hourly?window=yesterday`, env, { site: "no-such-site", table: "hourly" }, { cookie }))) as Response;
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("What to do: Pick one of your sites from the overview");

    const noSecret = (await exportLoader(args(`${site}/export/hourly`, { API: binding }, { ...params, table: "hourly" }, { cookie }))) as Response;
    expect(noSecret.status).toBe(500);
    expect(await noSecret.text()).toContain("SESSION_SECRET is not set");
  });

  it("writes the model drift page's tables, every version or the one named", async () => {
    const cookie = await cookieOf("manager");
    const all = (await exportLoader(args(`${site}/export/model-event-types?window=7d`, env, { ...params, table: "model-event-types" }, { cookie }))) as Response;
    const lines = (await all.text()).trim().split("\r\n");
    expect(lines[0]).toBe("Model version,Type,Window,Window %,Baseline,Baseline %");
    const versions = new Set(lines.slice(1).map((l) => l.split(",")[0]));
    expect(versions.has("v1.4.2")).toBe(true);
    expect(lines.length - 1).toBe(4 * versions.size);

    const one = (await exportLoader(
      args(`${site}/export/model-confidence-histogram?window=7d&id=v1.4.2`, env, { ...params, table: "model-confidence-histogram" }, { cookie }),
    )) as Response;
    expect(one.headers.get("content-disposition")).toMatch(/filename="demo-model-confidence-histogram-v1\.4\.2-/);
    const hist = (await one.text()).trim().split("\r\n");
    expect(hist[0]).toBe("Model version,Confidence,Window events,Window %,Baseline events,Baseline %");
    expect(hist.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(
      ["0.0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.4", "0.4–0.5", "0.5–0.6", "0.6–0.7", "0.7–0.8", "0.8–0.9", "0.9–1"].map((b) => `v1.4.2,${b}`),
    );
  });
});
