import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite } from "../../test/helpers";
import { postEvents } from "../../test/reference/helpers";
import type { EventInput } from "../../contract/events";
import { ksPValue } from "./kolmogorov";
import type { DriftResponse, ModelDrift } from "../../contract/models";
import { seededRandom } from "../lib/seeded-random";

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type EventType = EventInput["event_type"];

const BASELINE = { start: "2026-03-01T00:00:00Z", end: "2026-03-02T00:00:00Z" };
const WINDOW = { start: "2026-03-02T00:00:00Z", end: "2026-03-03T00:00:00Z" };
const TYPES: EventType[] = ["working", "idle", "absent", "product_count"];

const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();
const driftQs = (extra: Record<string, string> = {}) =>
  qs({ start: WINDOW.start, end: WINDOW.end, baseline_start: BASELINE.start, baseline_end: BASELINE.end, ...extra });


/** n confidences in thousandths: a skewed shape near the top, as the cameras report. */
function thousandths(n: number, seed: number, shift = 0, step = 1): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const k = Math.round((990 - 240 * r() * r() - shift) / step) * step;
    return Math.min(1000, Math.max(0, k));
  });
}

/** Events at distinct seconds from `from` (the derived event id ignores confidence). */
function events(from: string, model: string | undefined, confidences: number[], typeOf: (i: number) => EventType = () => "working"): EventInput[] {
  const t0 = Date.parse(from);
  return confidences.map((k, i) => {
    const type = typeOf(i);
    return event({
      timestamp: new Date(t0 + i * 1000).toISOString(),
      worker_id: `W${(i % 3) + 1}`,
      workstation_id: `S${(i % 2) + 1}`,
      event_type: type,
      confidence: k / 1000,
      model_version: model,
      ...(type === "product_count" ? { count: 1 + (i % 4) } : {}),
    });
  });
}

/**
 * Two-sample KS statistic straight from the definition: the largest |F1(x) - F2(x)| over every
 * value x of either sample, with F(x) the share of the sample at or below x.
 */
function referenceD(a: number[], b: number[]): number {
  const cdf = (xs: number[], x: number) => xs.filter((v) => v <= x).length;
  let d = 0;
  for (const x of new Set([...a, ...b])) d = Math.max(d, Math.abs(cdf(a, x) / a.length - cdf(b, x) / b.length));
  return d;
}

const bins = (ks: number[]) => {
  const h = Array<number>(10).fill(0);
  for (const k of ks) h[Math.min(9, Math.floor(k / 100))]++;
  return h;
};

async function drift(auth: Record<string, string>, extra: Record<string, string> = {}) {
  const res = await api(`/models/drift?${driftQs(extra)}`, { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as DriftResponse;
}

const version = (body: DriftResponse, v: string | null): ModelDrift => {
  const found = body.models.find((m) => m.model_version === v);
  expect(found, `model ${v}`).toBeDefined();
  return found!;
};

describe("GET /api/models/drift", () => {
  it("does not flag a version whose confidence did not move, and D matches the reference", async () => {
    const site = await newSite();
    const before = thousandths(300, 1);
    const now = thousandths(250, 2);
    await postEvents(site.auth, [...events("2026-03-01T06:00:00Z", "v1.4.2", before), ...events("2026-03-02T06:00:00Z", "v1.4.2", now)]);

    const body = await drift(site.read);
    expect(body).toMatchObject({
      site_id: site.siteId,
      window: { start: "2026-03-02T00:00:00.000Z", end: "2026-03-03T00:00:00.000Z" },
      baseline_window: { start: "2026-03-01T00:00:00.000Z", end: "2026-03-02T00:00:00.000Z" },
      rule: { threshold: 0.01, min_effect: 0.1, min_baseline_events: 30 },
    });
    expect(body.models).toHaveLength(1);
    const v = version(body, "v1.4.2");
    expect(v.baseline_kind).toBe("same_version");
    expect(v.ks).toMatchObject({ n: 250, m: 300 });
    expect(v.ks!.d).toBeCloseTo(referenceD(now, before), 12);
    expect(v.ks!.d).toBeLessThan(0.1);
    expect(v.ks!.p_value).toBeCloseTo(ksPValue(referenceD(now, before), 250, 300)!, 12);
    expect(v.flagged).toBe(false);
  });

  it("flags a new version with shifted confidence against every baseline event, ties included", async () => {
    const site = await newSite();
    const before = thousandths(300, 3);
    const oldNow = thousandths(200, 4);
    // Hundredths only: many values tie within and across the samples.
    const newNow = thousandths(150, 5, 40, 10);
    const beforeOther = thousandths(20, 6, 0, 10);
    await postEvents(site.auth, [
      ...events("2026-03-01T06:00:00Z", "v1.4.2", before),
      ...events("2026-03-01T12:00:00Z", "v1.3.0", beforeOther),
      ...events("2026-03-02T06:00:00Z", "v1.4.2", oldNow),
      ...events("2026-03-02T12:00:00Z", "v1.5.0", newNow),
    ]);

    const body = await drift(site.read);
    // Versions of the window only, in name order.
    expect(body.models.map((m) => m.model_version)).toEqual(["v1.4.2", "v1.5.0"]);
    const fresh = version(body, "v1.5.0");
    const allBefore = [...before, ...beforeOther];
    expect(fresh.baseline_kind).toBe("all_versions");
    expect(fresh.ks).toMatchObject({ n: 150, m: 320 });
    expect(fresh.ks!.d).toBeCloseTo(referenceD(newNow, allBefore), 12);
    expect(fresh.ks!.d).toBeGreaterThan(0.2);
    expect(fresh.ks!.p_value).toBeLessThan(1e-4);
    expect(fresh.flagged).toBe(true);
    expect(fresh.baseline.histogram).toEqual(bins(allBefore));

    const old = version(body, "v1.4.2");
    expect(old.baseline_kind).toBe("same_version");
    expect(old.ks!.d).toBeCloseTo(referenceD(oldNow, before), 12);
    expect(old.flagged).toBe(false);

    // The rule's knobs: a large required effect or a tiny threshold lifts the flag.
    expect(version(await drift(site.read, { min_effect: "0.9" }), "v1.5.0").flagged).toBe(false);
    expect(version(await drift(site.read, { threshold: "1e-300" }), "v1.5.0").flagged).toBe(false);
  });

  it("counts the histogram and type mix of exactly the window's events", async () => {
    const site = await newSite();
    // Bin edges: 0 and 0.1 open their bins, 0.7 is in [0.7, 0.8) although a real stores it as
    // 0.6999999, and 1 closes the last bin.
    const edge = [0, 99, 100, 700, 700, 950, 999, 1000];
    const types = (i: number) => TYPES[i % 4];
    const base = thousandths(40, 7);
    await postEvents(site.auth, [
      ...events("2026-03-02T08:00:00Z", "v2", edge, types),
      // Window edges: at start counts, at end does not.
      event({ timestamp: WINDOW.start, worker_id: "W1", event_type: "idle", confidence: 0.5, model_version: "v2" }),
      event({ timestamp: WINDOW.end, worker_id: "W1", event_type: "idle", confidence: 0.5, model_version: "v2" }),
      // Without a model version.
      event({ timestamp: "2026-03-02T09:00:00Z", event_type: "absent", confidence: 0.8, model_version: undefined }),
      ...events("2026-03-01T08:00:00Z", "v2", base, types),
    ]);

    const body = await drift(site.read);
    expect(body.models.map((m) => m.model_version)).toEqual(["v2", null]);
    const v2 = version(body, "v2");
    const inWindow = [...edge, 500];
    expect(v2.window.events).toBe(9);
    expect(v2.window.histogram).toEqual(bins(inWindow));
    expect(v2.window.histogram).toEqual([2, 1, 0, 0, 0, 1, 0, 2, 0, 3]);
    expect(v2.window.event_types).toEqual({ working: 2, idle: 3, absent: 2, product_count: 2 });
    expect(v2.window.mean_confidence).toBeCloseTo(inWindow.reduce((s, k) => s + k, 0) / 9 / 1000, 6);
    expect(v2.baseline_kind).toBe("same_version");
    expect(v2.baseline.events).toBe(40);
    expect(v2.baseline.histogram).toEqual(bins(base));
    expect(v2.baseline.event_types).toEqual({ working: 10, idle: 10, absent: 10, product_count: 10 });
    expect(v2.ks!.d).toBeCloseTo(referenceD(inWindow, base), 12);

    const none = version(body, null);
    expect(none).toMatchObject({ baseline_kind: "all_versions", window: { events: 1, event_types: { absent: 1 } } });
    expect(none.ks).toMatchObject({ n: 1, m: 40 });
  });

  it("uses every baseline event for a version with fewer than 30 of its own, and nothing without any", async () => {
    const site = await newSite();
    const few = thousandths(29, 8);
    const others = thousandths(50, 9);
    await postEvents(site.auth, [
      ...events("2026-03-01T06:00:00Z", "v3", few),
      ...events("2026-03-01T12:00:00Z", "v1", others),
      ...events("2026-03-02T06:00:00Z", "v3", thousandths(60, 10)),
    ]);
    const v3 = version(await drift(site.read), "v3");
    expect(v3.baseline_kind).toBe("all_versions");
    expect(v3.ks).toMatchObject({ n: 60, m: 79 });
    expect(v3.baseline.histogram).toEqual(bins([...few, ...others]));

    // A baseline window without events: nothing to compare with, nothing flagged.
    const empty = await drift(site.read, { baseline_start: "2026-02-01T00:00:00Z", baseline_end: "2026-02-02T00:00:00Z" });
    expect(version(empty, "v3")).toMatchObject({ baseline_kind: "none", ks: null, flagged: false, baseline: { events: 0, mean_confidence: null } });
    expect(version(empty, "v3").baseline.histogram).toEqual(Array(10).fill(0));

    // A window without events: no versions.
    const quiet = await drift(site.read, { start: "2026-02-10T00:00:00Z", end: "2026-02-11T00:00:00Z" });
    expect(quiet.models).toEqual([]);
  });

  it("refuses bad windows with the failing parameters", async () => {
    const site = await newSite();
    const fail = async (query: string) => {
      const res = await api(`/models/drift?${query}`, { headers: site.read });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("validation_failed");
      return body.error.details;
    };
    const missing = await fail(qs(WINDOW));
    expect(missing.map((d) => d.path)).toEqual(["baseline_start", "baseline_end"]);
    expect(missing[0].message).toMatch(/^baseline_start must be ISO 8601/);

    const backwards = await fail(driftQs({ end: "2026-03-01T00:00:00Z" }));
    expect(backwards).toEqual([{ path: "end", message: "end must not be before start" }]);

    const both = await fail(driftQs({ start: "yesterday", baseline_end: "2026-02-28T00:00:00Z" }));
    expect(both.map((d) => d.path)).toEqual(["start", "baseline_end"]);
    expect(both[1].message).toBe("baseline_end must not be before baseline_start");

    const long = await fail(driftQs({ baseline_start: "2025-10-01T00:00:00Z" }));
    expect(long).toEqual([{ path: "baseline_end", message: "a window may span at most 93 days" }]);

    const knobs = await fail(driftQs({ threshold: "abc", min_effect: "2" }));
    expect(knobs.map((d) => d.path)).toEqual(["threshold", "min_effect"]);
  });

  it("needs the site's read key, or the admin token with ?site=; the ingest key cannot read", async () => {
    const site = await newSite();
    const other = await newSite();
    await postEvents(site.auth, events("2026-03-02T06:00:00Z", "v1", [900, 950]));

    const anonymous = await api(`/models/drift?${driftQs()}`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as ErrorBody).error.code).toBe("unauthorized");
    expect((await api(`/models/drift?${driftQs({ site: site.siteId })}`, { headers: other.read })).status).toBe(403);
    // The ingest key only sends events, even for its own site.
    for (const q of [driftQs(), driftQs({ site: site.siteId })]) {
      const ingestKey = await api(`/models/drift?${q}`, { headers: site.auth });
      expect(ingestKey.status).toBe(403);
      expect(((await ingestKey.json()) as ErrorBody).error.code).toBe("ingest_key_cannot_read");
    }
    expect((await api(`/models/drift?${driftQs()}`, { headers: ADMIN })).status).toBe(400);

    const admin = await api(`/models/drift?${driftQs({ site: site.siteId })}`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as DriftResponse).models.map((m) => m.window.events)).toEqual([2]);
    // Another site's read key sees its own (empty) site, never this one's events.
    expect((await drift(other.read)).models).toEqual([]);
  });
});
