// @vitest-environment node
// The model drift page's loader against the real API (app/test/api-setup.ts): it must ask for the
// window in the URL and the 7 × 24 hours before it, and return what the API answers for those.
import { describe, expect, it } from "vitest";
import type { FactoryMetrics } from "../../contract/metrics";
import type { DriftResponse } from "../../contract/models";
import { resolveWindow } from "../lib/window";
import { apiEnvs, apiToken as token, apiUrl, cookieOf, loaderArgs as args, loaderRedirect, siteId } from "../test/loader-harness";
import { loader } from "./sites.$site.models";

async function direct<T>(path: string, params: Record<string, string>): Promise<T> {
  const url = new URL(`/api${path}`, apiUrl);
  url.search = new URLSearchParams({ site: siteId, ...params }).toString();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("model drift loader", () => {
  it.each(apiEnvs)("returns the API's drift for the window and the week before it, through %s", async (_, env) => {
    // The last 7 days hold the whole seeded day whatever the time of the run.
    const asked = Date.now();
    const d = await loader(args(`/sites/${siteId}/models?window=7d`, env, { site: siteId }, { cookie: await cookieOf("viewer") }));
    // The window as of the instant the loader resolved it (a clock read after it could be past
    // midnight), which is the time of the request.
    expect(d.window.asOf.getTime()).toBeGreaterThanOrEqual(asked);
    expect(d.window.asOf.getTime()).toBeLessThanOrEqual(Date.now());
    const w = resolveWindow(new URLSearchParams("window=7d"), d.site.timeZone, d.window.asOf);
    const baselineStart = new Date(w.start.getTime() - 7 * 86_400_000);
    expect(d.drift.window).toEqual({ start: w.start.toISOString(), end: w.end.toISOString() });
    expect(d.drift.baseline_window).toEqual({ start: baselineStart.toISOString(), end: w.start.toISOString() });

    const span = { start: w.start.toISOString(), end: w.end.toISOString() };
    const api = await direct<DriftResponse>("/models/drift", { ...span, baseline_start: baselineStart.toISOString(), baseline_end: span.start });
    expect(d.drift.models).toEqual(api.models);
    // Every event of the window belongs to exactly one version.
    const factory = await direct<{ metrics: FactoryMetrics }>("/metrics/factory", span);
    expect(factory.metrics.events).toBeGreaterThan(0);
    expect(d.drift.models.reduce((s, m) => s + m.window.events, 0)).toBe(factory.metrics.events);
    expect(d.drift.models.map((m) => m.model_version)).toContain("v1.4.2");
  });

  it("sends someone not signed in to the sign-in page, and back here afterwards", async () => {
    const r = await loaderRedirect(loader(args(`/sites/${siteId}/models?window=7d`, apiEnvs[1][1], { site: siteId })));
    expect(r?.location).toBe(`/login?next=${encodeURIComponent(`/sites/${siteId}/models?window=7d`)}`);
  });
});
