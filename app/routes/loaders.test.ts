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
    const d = await overviewLoader(args("/?window=today", env));
    const w = resolveWindow(new URLSearchParams("window=today"), d.site.timeZone, new Date());
    expect(d.site).toMatchObject({ id: siteId, timeZone: "Europe/Berlin" });
    expect([d.window.start, d.window.end]).toEqual([w.start, w.end]);
    const factory = await direct<{ metrics: { units: number; events: number } }>("/metrics/cache/factory", w);
    const workers = await direct<{ metrics: { worker_id: string; units: number }[] }>("/metrics/cache/workers", w);
    expect(factory.metrics.events).toBeGreaterThan(0);
    expect(d.factory.metrics.units).toBe(factory.metrics.units);
    expect(d.workers.map((x) => [x.worker_id, x.units])).toEqual(workers.metrics.map((x) => [x.worker_id, x.units]));
    // The first read computed the entry (populate=true); now it is served from the cache.
    expect((await overviewLoader(args("/?window=today", env))).factory.cached).toBe(true);
    expect(d.pendingRecomputes).toEqual(expect.any(Number));
  });

  it("says what is wrong when the API refuses or cannot be reached", async () => {
    expect(await failure(overviewLoader(args("/", { API_BASE: apiUrl, API_TOKEN: "wrong", SITE_ID: siteId })))).toEqual({ status: 401, code: "unauthorized" });
    expect(await failure(overviewLoader(args("/", { API_BASE: apiUrl, API_TOKEN: token, SITE_ID: "no-such-site" })))).toEqual({ status: 404, code: "site_not_found" });
    expect(await failure(overviewLoader(args("/", { API_TOKEN: token })))).toEqual({ status: 502, code: "api_not_configured" });
    expect(await failure(overviewLoader(args("/", { API_BASE: "http://127.0.0.1:9", API_TOKEN: token })))).toEqual({ status: 502, code: "api_unreachable" });
  });
});

describe("worker loader", () => {
  it("returns the worker's metrics and timeline, whose working time adds up", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    const d = await workerLoader(args("/workers/W1?window=today", env, { id: "W1" }));
    expect(d.worker.metrics.worker_id).toBe("W1");
    const working = d.timeline.intervals.filter((i) => i.state === "working").reduce((s, i) => s + (Date.parse(i.end) - Date.parse(i.start)) / 1000, 0);
    // The cache was computed a moment before the timeline: allow for the seconds in between.
    expect(Math.abs(working - d.worker.metrics.working_seconds)).toBeLessThan(60);
    expect(d.timeline.confidence_by_model.reduce((s, m) => s + m.events, 0)).toBe(d.worker.metrics.events);
  });


  it("answers 404 for a worker the site has never seen", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    expect(await failure(workerLoader(args("/workers/nobody?window=today", env, { id: "nobody" })))).toEqual({ status: 404, code: "worker_not_found" });
  });
});

describe("CSV export", () => {
  it("writes the workers table for the window", async () => {
    const env = { API: binding, API_TOKEN: token, SITE_ID: siteId };
    const res = (await exportLoader(args("/export/workers?window=today", env, { table: "workers" }))) as Response;
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="demo-workers-\d{8}T\d{4}-\d{8}T\d{4}\.csv"$/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^Worker,Utilization %,/);
    expect(lines.length).toBe(7); // header + 6 demo workers
  });
});
