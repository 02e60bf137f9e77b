// @vitest-environment node
// The loaders against the real API (app/test/api-setup.ts): what they return must be what the API
// answers for the same window, through the service binding or the API_BASE fallback alike.
import { describe, expect, it } from "vitest";
import { resolveWindow } from "../lib/window";
import {
  apiBinding as binding,
  apiEnvs,
  apiToken as token,
  apiUrl,
  loaderArgs as args,
  loaderFailure,
  siteId,
} from "../test/loader-harness";
import { loader as exportLoader } from "./export.$table";
import { loader as overviewLoader } from "./_index";
import { loader as workerLoader } from "./workers.$id";

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

describe("overview loader", () => {
  it.each(apiEnvs)("returns the API's figures for the window in the URL, through %s", async (_, env) => {
    const asked = Date.now();
    const d = await overviewLoader(args("/?window=yesterday", env));
    // The window as of the instant the loader resolved it (a clock read after it could be past
    // midnight), which is the time of the request.
    expect(d.window.asOf.getTime()).toBeGreaterThanOrEqual(asked);
    expect(d.window.asOf.getTime()).toBeLessThanOrEqual(Date.now());
    const w = resolveWindow(new URLSearchParams("window=yesterday"), d.site.timeZone, d.window.asOf);
    expect(d.site).toMatchObject({ id: siteId, timeZone: "Europe/Berlin" });
    expect([d.window.start, d.window.end]).toEqual([w.start, w.end]);
    const factory = await direct<{ metrics: { units: number; events: number } }>("/metrics/cache/factory", w);
    const workers = await direct<{ metrics: { worker_id: string; units: number }[] }>("/metrics/cache/workers", w);
    expect(factory.metrics.events).toBeGreaterThan(0);
    expect(d.factory.metrics.units).toBe(factory.metrics.units);
    expect(d.workers.map((x) => [x.worker_id, x.units])).toEqual(workers.metrics.map((x) => [x.worker_id, x.units]));
    // The first read computed the entry (populate=true); now it is served from the cache.
    expect((await overviewLoader(args("/?window=yesterday", env))).factory.cached).toBe(true);
    expect(d.pendingRecomputes).toEqual(expect.any(Number));
  });

  it("says what is wrong when the API refuses or cannot be reached", async () => {
    expect(await failure(overviewLoader(args("/", { API_BASE: apiUrl, API_TOKEN: "wrong", SITE_ID: siteId })))).toEqual({ status: 401, code: "unauthorized" });
    expect(await failure(overviewLoader(args("/", { API_BASE: apiUrl, API_TOKEN: token, SITE_ID: "no-such-site" })))).toEqual({ status: 404, code: "site_not_found" });
    expect(await failure(overviewLoader(args("/", { API_TOKEN: token })))).toEqual({ status: 502, code: "api_not_configured" });
    expect(await failure(overviewLoader(args("/", { API_BASE: "http://127.0.0.1:9", API_TOKEN: token })))).toEqual({ status: 502, code: "api_unreachable" });
    const deadBinding = { fetch: async () => new Response("Service unavailable", { status: 503 }) };
    expect(await failure(overviewLoader(args("/", { API: deadBinding, API_TOKEN: token })))).toEqual({ status: 502, code: "api_unreachable" });
  });

  it("falls back to API_BASE when the service binding fails without the API's answer", async () => {
    const deadBinding = { fetch: async () => new Response("Service unavailable", { status: 503 }) };
    const throwingBinding = { fetch: async (): Promise<Response> => { throw new Error("not connected"); } };
    const direct = await overviewLoader(args("/?window=yesterday", { API_BASE: apiUrl, API_TOKEN: token, SITE_ID: siteId }));
    expect(direct.factory.metrics.events).toBeGreaterThan(0);
    for (const API of [deadBinding, throwingBinding]) {
      const d = await overviewLoader(args("/?window=yesterday", { API, API_BASE: apiUrl, API_TOKEN: token, SITE_ID: siteId }));
      // Yesterday is closed: the fallback's figures are exactly those API_BASE gives.
      expect(d.factory.metrics).toEqual(direct.factory.metrics);
      expect(d.workers).toEqual(direct.workers);
    }
    // The API's own refusal through the binding is the answer: no second try elsewhere.
    expect(await failure(overviewLoader(args("/", { API: binding, API_BASE: apiUrl, API_TOKEN: "wrong", SITE_ID: siteId })))).toEqual({ status: 401, code: "unauthorized" });
  });
});

describe("worker loader", () => {
  it("returns the worker's metrics and timeline, whose working time adds up", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    const d = await workerLoader(args("/workers/W1?window=yesterday", env, { id: "W1" }));
    expect(d.worker.metrics.worker_id).toBe("W1");
    const working = d.timeline.intervals.filter((i) => i.state === "working").reduce((s, i) => s + (Date.parse(i.end) - Date.parse(i.start)) / 1000, 0);
    // Yesterday is closed: the cached figure and the timeline describe the same finished day.
    expect(working).toBeCloseTo(d.worker.metrics.working_seconds, 3);
    expect(d.timeline.confidence_by_model.reduce((s, m) => s + m.events, 0)).toBe(d.worker.metrics.events);
  });


  it("answers 404 for a worker the site has never seen", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    expect(await failure(workerLoader(args("/workers/nobody?window=yesterday", env, { id: "nobody" })))).toEqual({ status: 404, code: "worker_not_found" });
  });
});

describe("CSV export", () => {
  it("writes the workers table for the window", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    const res = (await exportLoader(args("/export/workers?window=yesterday", env, { table: "workers" }))) as Response;
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="demo-workers-\d{8}T\d{4}-\d{8}T\d{4}\.csv"$/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^Worker,Utilization %,/);
    expect(lines.length).toBe(7); // header + 6 demo workers
  });

  it("answers a failure as plain text with its status, code, message and what to do", async () => {
    const env = { API_BASE: apiUrl, API_TOKEN: "wrong", SITE_ID: siteId };
    const res = (await exportLoader(args("/export/workers?window=yesterday", env, { table: "workers" }))) as Response;
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const body = await res.text();
    expect(body).toMatch(/^The CSV could not be made: .+\n/);
    expect(body).toContain("What to do: Set the dashboard's API_TOKEN secret to the API's ADMIN_TOKEN.");
    expect(body).toContain("unauthorized · 401");

    const noSite = { API_BASE: apiUrl, API_TOKEN: token, SITE_ID: "no-such-site" };
    const missing = (await exportLoader(args("/export/hourly?window=yesterday", noSite, { table: "hourly" }))) as Response;
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("What to do: Create the site with POST /api/sites, or set SITE_ID to an existing site.");
  });

  it("writes the model drift page's tables, every version or the one named", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    const all = (await exportLoader(args("/export/model-event-types?window=7d", env, { table: "model-event-types" }))) as Response;
    const lines = (await all.text()).trim().split("\r\n");
    expect(lines[0]).toBe("Model version,Type,Window,Window %,Baseline,Baseline %");
    const versions = new Set(lines.slice(1).map((l) => l.split(",")[0]));
    expect(versions.has("v1.4.2")).toBe(true);
    expect(lines.length - 1).toBe(4 * versions.size);

    const one = (await exportLoader(
      args("/export/model-confidence-histogram?window=7d&id=v1.4.2", env, { table: "model-confidence-histogram" }),
    )) as Response;
    expect(one.headers.get("content-disposition")).toMatch(/filename="demo-model-confidence-histogram-v1\.4\.2-/);
    const hist = (await one.text()).trim().split("\r\n");
    expect(hist[0]).toBe("Model version,Confidence,Window events,Window %,Baseline events,Baseline %");
    expect(hist.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(
      ["0.0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.4", "0.4–0.5", "0.5–0.6", "0.6–0.7", "0.7–0.8", "0.8–0.9", "0.9–1"].map((b) => `v1.4.2,${b}`),
    );
  });
});
