import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite } from "../../test/helpers";
import type { WorkerMetrics, WorkstationMetrics } from "../../contract/metrics";
import type { StateInterval, TimelineResponse, WorkerTimelineResponse } from "../../contract/timeline";

const at = (hhmm: string) => `2026-03-02T${hhmm}:00.000Z`;
const post = (auth: Record<string, string>, events: unknown[]) => api("/events/bulk", { method: "POST", headers: auth, json: events });
const windowQs = (start: string, end: string) => `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
const compact = (xs: StateInterval[]) => xs.map((i) => `${i.worker_id}@${i.workstation_id} ${i.state} ${i.start.slice(11, 16)}-${i.end.slice(11, 16)}`);

async function seeded() {
  const site = await newSite({ maxStateSeconds: 600 });
  const res = await post(site.auth, [
    event({ timestamp: at("08:00"), event_type: "working", model_version: "v1" }),
    // A product count between two state events must not cut the working interval.
    event({ timestamp: at("08:02"), event_type: "product_count", count: 3, model_version: "v1", confidence: 0.5 }),
    event({ timestamp: at("08:05"), event_type: "idle", model_version: "v2", confidence: 0.8 }),
    // 25 min of silence after idle: 10 min idle (the cap), then unknown.
    event({ timestamp: at("08:30"), event_type: "working", model_version: "v2", confidence: 0.9 }),
    // Heartbeats of the same state merge into one interval.
    event({ timestamp: at("08:34"), event_type: "working", model_version: "v2", confidence: 0.7 }),
    event({ timestamp: at("09:10"), event_type: "product_count", count: 2, model_version: "v2", confidence: 0.6 }),
    // A second worker at the same station, then elsewhere.
    event({ timestamp: at("08:10"), worker_id: "W2", event_type: "working" }),
    event({ timestamp: at("08:20"), worker_id: "W2", workstation_id: "S2", event_type: "working" }),
  ]);
  expect(res.status).toBe(200);
  return site;
}

describe("GET /api/timeline/worker/:id", () => {
  it("returns merged state intervals with the gap cap, clipped to the window", async () => {
    const site = await seeded();
    const res = await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("09:00"))}`, { headers: site.read });
    expect(res.status).toBe(200);
    const body = (await res.json()) as WorkerTimelineResponse;
    expect(compact(body.intervals)).toEqual([
      "W1@S1 working 08:00-08:05",
      "W1@S1 idle 08:05-08:15",
      "W1@S1 unknown 08:15-08:30",
      "W1@S1 working 08:30-08:44",
      "W1@S1 unknown 08:44-09:00",
    ]);
    expect(body.window).toEqual({ start: at("08:00"), end: at("09:00") });
  });

  it("carries the state of the last event before the window into it", async () => {
    const site = await seeded();
    const res = await api(`/timeline/worker/W1?${windowQs(at("08:03"), at("08:20"))}`, { headers: site.read });
    const body = (await res.json()) as WorkerTimelineResponse;
    expect(compact(body.intervals)).toEqual(["W1@S1 working 08:03-08:05", "W1@S1 idle 08:05-08:15", "W1@S1 unknown 08:15-08:20"]);
  });

  it("adds up to the same seconds per state as the worker's metrics", async () => {
    const site = await seeded();
    const qs = windowQs(at("07:00"), at("10:00"));
    const timeline = (await (await api(`/timeline/worker/W1?${qs}`, { headers: site.read })).json()) as WorkerTimelineResponse;
    const metrics = (await (await api(`/metrics/worker/W1?${qs}`, { headers: site.read })).json()) as { metrics: WorkerMetrics };
    const sum = (state: string) =>
      timeline.intervals.filter((i) => i.state === state).reduce((s, i) => s + (Date.parse(i.end) - Date.parse(i.start)) / 1000, 0);
    expect(sum("working")).toBeCloseTo(metrics.metrics.working_seconds, 3);
    expect(sum("idle")).toBeCloseTo(metrics.metrics.idle_seconds, 3);
    expect(sum("absent")).toBeCloseTo(metrics.metrics.absent_seconds, 3);
    expect(sum("unknown")).toBeCloseTo(metrics.metrics.unknown_seconds, 3);
    expect(timeline.units.reduce((s, u) => s + u.units, 0)).toBe(metrics.metrics.units);
  });

  it("counts units per UTC hour and confidence per model version", async () => {
    const site = await seeded();
    const res = await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("10:00"))}`, { headers: site.read });
    const body = (await res.json()) as WorkerTimelineResponse;
    expect(body.units).toEqual([
      { hour_start: at("08:00"), units: 3 },
      { hour_start: at("09:00"), units: 2 },
    ]);
    expect(body.confidence_by_model.map((m) => m.model_version)).toEqual(["v1", "v2"]);
    const [v1, v2] = body.confidence_by_model;
    expect(v1).toMatchObject({ events: 2, late_events: 0 });
    expect(v1.avg_confidence).toBeCloseTo((0.93 + 0.5) / 2, 5);
    expect(v2).toMatchObject({ events: 4, late_events: 0 });
    expect(v2.min_confidence).toBeCloseTo(0.6, 5);
    expect(v2.max_confidence).toBeCloseTo(0.9, 5);
  });

  it("answers 404 for a worker or workstation the site has never seen", async () => {
    const site = await seeded();
    for (const [path, code] of [
      ["worker/W404", "worker_not_found"],
      ["workstation/S404", "workstation_not_found"],
    ]) {
      const res = await api(`/timeline/${path}?${windowQs(at("08:00"), at("09:00"))}`, { headers: site.read });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    // Known ones with nothing in the window are a real, empty timeline.
    const quiet = await api(`/timeline/workstation/S1?${windowQs(at("00:00"), at("01:00"))}`, { headers: site.read });
    expect(quiet.status).toBe(200);
    expect(((await quiet.json()) as WorkerTimelineResponse).intervals).toEqual([]);
  });

  it("needs site access and a valid window", async () => {
    const site = await seeded();
    expect((await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("09:00"))}`)).status).toBe(401);
    const bad = await api(`/timeline/worker/W1?start=yesterday&end=${encodeURIComponent(at("09:00"))}`, { headers: site.read });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toContain("start");
    const admin = await api(`/timeline/worker/W1?site=${site.siteId}&${windowQs(at("08:00"), at("09:00"))}`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    // A site's ingest key only sends events: it cannot read its own site's timeline.
    const ingestKey = await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("09:00"))}`, { headers: site.auth });
    expect(ingestKey.status).toBe(403);
    expect(((await ingestKey.json()) as { error: { code: string } }).error.code).toBe("ingest_key_cannot_read");
    // The admin token reads the site's timeline as its read key does.
    const own = (await (await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("09:00"))}`, { headers: site.read })).json()) as WorkerTimelineResponse;
    const adminBody = (await admin.json()) as WorkerTimelineResponse;
    expect(adminBody.intervals).toEqual(own.intervals);
    expect(compact(adminBody.intervals)).toHaveLength(5);
    expect(adminBody.units).toEqual(own.units);
    expect(adminBody.confidence_by_model).toEqual(own.confidence_by_model);
  });

  it("treats the window as [start, end): units, events and state at the end belong to the next window", async () => {
    const site = await seeded();
    // 09:10 holds W1's product_count of 2: at the end of the first window, the start of the second.
    const before = (await (await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("09:10"))}`, { headers: site.read })).json()) as WorkerTimelineResponse;
    expect(before.units).toEqual([{ hour_start: at("08:00"), units: 3 }]);
    expect(before.confidence_by_model.map((m) => [m.model_version, m.events])).toEqual([["v1", 2], ["v2", 3]]);
    const after = (await (await api(`/timeline/worker/W1?${windowQs(at("09:10"), at("10:00"))}`, { headers: site.read })).json()) as WorkerTimelineResponse;
    expect(after.units).toEqual([{ hour_start: at("09:00"), units: 2 }]);
    expect(after.confidence_by_model.map((m) => [m.model_version, m.events])).toEqual([["v2", 1]]);
    // The working event at 08:30 starts the second of two windows split there.
    const head = (await (await api(`/timeline/worker/W1?${windowQs(at("08:00"), at("08:30"))}`, { headers: site.read })).json()) as WorkerTimelineResponse;
    expect(compact(head.intervals).at(-1)).toBe("W1@S1 unknown 08:15-08:30");
    const station = (await (await api(`/timeline/workstation/S1?${windowQs(at("08:00"), at("09:10"))}`, { headers: site.read })).json()) as TimelineResponse;
    expect(station.units).toEqual([{ hour_start: at("08:00"), units: 3 }]);
  });
});

describe("GET /api/timeline/workstation/:id", () => {
  it("lists every worker's intervals at the workstation and matches its metrics", async () => {
    const site = await seeded();
    const qs = windowQs(at("08:00"), at("09:00"));
    const res = await api(`/timeline/workstation/S1?${qs}`, { headers: site.read });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TimelineResponse;
    // Unknown time belongs to the worker, not to the workstation it was last seen at.
    expect(compact(body.intervals)).toEqual([
      "W1@S1 working 08:00-08:05",
      "W1@S1 idle 08:05-08:15",
      "W1@S1 working 08:30-08:44",
      // W2 moved to S2 at 08:20: only its time at S1 is here.
      "W2@S1 working 08:10-08:20",
    ]);
    const metrics = (await (await api(`/metrics/workstation/S1?${qs}`, { headers: site.read })).json()) as { metrics: WorkstationMetrics };
    const sum = (state: string) =>
      body.intervals.filter((i) => i.state === state).reduce((s, i) => s + (Date.parse(i.end) - Date.parse(i.start)) / 1000, 0);
    expect(sum("working")).toBeCloseTo(metrics.metrics.person_working_seconds, 3);
    expect(sum("idle")).toBeCloseTo(metrics.metrics.idle_seconds, 3);
    expect(sum("absent")).toBeCloseTo(metrics.metrics.absent_seconds, 3);
    expect(body.units).toEqual([{ hour_start: at("08:00"), units: 3 }]);
  });
});
