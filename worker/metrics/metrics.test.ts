import { describe, expect, it } from "vitest";
import { computeMetrics, planWindow, rebuildRollupHours } from "../../db/metrics";
import { ADMIN, api, event, newSite, query } from "../../test/helpers";
import { firstDifference, postEvents, storedEvents, withDb } from "../../test/reference/helpers";
import { referenceMetrics } from "../../test/reference/metrics-reference";
import type { EventInput } from "../../contract/events";

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

const T = (hhmmss: string) => new Date(`2026-03-02T${hhmmss}Z`);
const win = (from: string, to: string) => ({ start: T(from), end: T(to) });
const LATER = T("23:00:00");

const ev = (time: string, worker: string, station: string, type: EventInput["event_type"], extra: Partial<EventInput> = {}) =>
  event({ timestamp: `2026-03-02T${time}Z`, worker_id: worker, workstation_id: station, event_type: type, ...extra });

async function siteWith(events: EventInput[], maxStateSeconds = 600) {
  const site = await newSite({ maxStateSeconds });
  await postEvents(site.auth, events);
  return { ...site, metricsSite: { siteId: site.siteId, maxStateSeconds } };
}

describe("station changes", () => {
  it("count each move of a worker's state to another workstation, where it happens, equal from rollups", async () => {
    const site = await siteWith([
      // The first state event ever is no move.
      ev("07:50:00", "W1", "S1", "working"),
      // A move exactly at 08:00: it belongs to the window (or hour) that starts then.
      ev("08:00:00", "W1", "S2", "working"),
      // Same workstation, another state: no move. A count elsewhere moves nothing.
      ev("08:10:00", "W1", "S2", "idle"),
      ev("08:12:00", "W1", "S3", "product_count", { count: 2 }),
      // Back at S2 after 30 min without a signal: the interval resumes at S2, no move.
      ev("08:50:00", "W1", "S2", "working"),
      // Two events tied at 09:05: only the last by event id lasts, so S1 → S3 is one move.
      ev("09:05:00", "W1", "S1", "working", { event_id: "tie-b" }),
      ev("09:05:00", "W1", "S3", "working", { event_id: "tie-c" }),
      // A move at the window's end belongs to the next window.
      ev("10:00:00", "W1", "S1", "working"),
      ev("08:30:00", "W2", "S1", "working"),
      ev("08:40:00", "W2", "S2", "working"),
    ]);
    const window = win("08:00:00", "10:00:00");
    const [w1, w2] = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker" }, window, LATER));
    expect([w1.station_changes, w2.station_changes]).toEqual([2, 1]);
    const factory = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "factory" }, window, LATER));
    expect(factory.station_changes).toBe(3);
    // Built into hourly rollups, the hours add up to the same.
    await withDb(async (db) => {
      await rebuildRollupHours(db, site.metricsSite, T("07:00:00"), T("11:00:00"), LATER);
      const fromRollups = await computeMetrics(db, site.metricsSite, { type: "factory" }, window, LATER, { rollupsBefore: T("11:00:00") });
      expect(fromRollups.station_changes).toBe(3);
      const nineToTen = await computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("09:00:00", "10:00:00"), LATER, { rollupsBefore: T("11:00:00") });
      expect(nineToTen?.station_changes).toBe(1);
    });
  });
});

describe("state intervals", () => {
  it("a product_count between two state events does not cut the interval", async () => {
    const site = await siteWith([
      ev("08:00:00", "W1", "S1", "working"),
      ev("08:02:00", "W1", "S1", "product_count", { count: 3 }),
      ev("08:05:00", "W1", "S1", "idle"),
    ]);
    const m = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("08:00:00", "08:10:00"), LATER));
    expect(m).toMatchObject({ working_seconds: 300, idle_seconds: 300, unknown_seconds: 0, units: 3, events: 3 });
    expect(m?.utilization_pct).toBeCloseTo(50, 9);
    expect(m?.units_per_working_hour).toBeCloseTo(36, 9);
  });

  it("computes station time per worker, then combines: two workers at one station", async () => {
    const site = await siteWith([
      ev("08:00:00", "W1", "S1", "working"),
      ev("08:02:00", "W2", "S1", "working"),
      ev("08:05:00", "W1", "S2", "absent"),
      ev("08:07:00", "W2", "S2", "absent"),
    ]);
    const s1 = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "workstation", id: "S1" }, win("08:00:00", "08:07:00"), LATER));
    // person time counts both workers (2 x 5 min); occupied time counts the union once (7 min)
    expect(s1).toMatchObject({ person_working_seconds: 600, occupied_seconds: 420, workers_seen: ["W1", "W2"], events: 2 });
    expect(s1?.utilization_pct).toBeCloseTo(100, 9);
    const s2 = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "workstation", id: "S2" }, win("08:00:00", "08:07:00"), LATER));
    // W2's absent event at 08:07 is at the window's end: outside it
    expect(s2).toMatchObject({ person_working_seconds: 0, occupied_seconds: 0, absent_seconds: 120, workers_seen: ["W1"] });
  });

  it("cuts a gap longer than max_state_seconds: the rest is unknown", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working"), ev("08:30:00", "W1", "S1", "idle")], 600);
    const m = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("08:00:00", "08:35:00"), LATER));
    expect(m).toMatchObject({ working_seconds: 600, unknown_seconds: 1200, idle_seconds: 300 });
    expect(m?.utilization_pct).toBeCloseTo((600 / 900) * 100, 9);
    expect(m?.observed_utilization_pct).toBeCloseTo((600 / 2100) * 100, 9);
  });

  it("looks back to the last state event before the window, with the cap measured from it", async () => {
    const site = await siteWith([
      ev("07:55:00", "W1", "S1", "working"),
      ev("07:50:00", "W1", "S1", "product_count", { count: 1 }),
      ev("08:03:00", "W2", "S1", "idle"),
    ]);
    const [w1, w2] = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker" }, win("08:00:00", "08:10:00"), LATER));
    // W1: working 07:55 + 10 min cap = until 08:05, then unknown; the event itself is outside the window
    expect(w1).toMatchObject({ worker_id: "W1", working_seconds: 300, unknown_seconds: 300, events: 0, units: 0, first_seen: null });
    // W2 had not appeared before 08:03: that time is not counted at all, not even as unknown
    expect(w2).toMatchObject({ worker_id: "W2", idle_seconds: 420, unknown_seconds: 0, working_seconds: 0, events: 1 });
    expect(w2.first_seen).toBe("2026-03-02T08:03:00.000Z");
  });

  it("keeps the last interval open until now (capped), and never counts time after now", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working")]);
    const at = (now: string) => withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("08:00:00", "09:00:00"), T(now)));
    expect(await at("08:04:00")).toMatchObject({ working_seconds: 240, unknown_seconds: 0, window_seconds: 240 });
    expect(await at("08:30:00")).toMatchObject({ working_seconds: 600, unknown_seconds: 1200, window_seconds: 1800 });
    expect(await at("10:00:00")).toMatchObject({ working_seconds: 600, unknown_seconds: 3000, window_seconds: 3600 });
    // a window entirely after now has no time at all, but still counts its events
    expect(await at("07:00:00")).toMatchObject({ working_seconds: 0, window_seconds: 0, events: 1, observed_utilization_pct: null });
  });

  it("orders events tied on timestamp by event id: the last one holds the state", async () => {
    const site = await siteWith([
      ev("08:00:00", "W1", "S1", "idle", { event_id: "b-second" }),
      ev("08:00:00", "W1", "S2", "working", { event_id: "a-first" }),
      ev("08:05:00", "W1", "S1", "absent"),
    ]);
    const m = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("08:00:00", "08:05:00"), LATER));
    expect(m).toMatchObject({ idle_seconds: 300, working_seconds: 0, events: 2 });
    const s2 = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "workstation", id: "S2" }, win("08:00:00", "08:05:00"), LATER));
    expect(s2).toMatchObject({ person_working_seconds: 0, events: 1 });
  });

  it("orders tied events by event id whatever order they were stored in, also when the next event continues a run", async () => {
    // Tied at 08:00: a working event (id "…a") and an idle one (id "…b"), then working again at 08:01.
    // By (ts, event_id) the idle event holds 08:00-08:01 and the working run starts again at 08:01.
    // W1 gets the idle event stored first, W2 the working one: whichever order storage returns ties
    // in, one of them comes back in the order opposite to the ids.
    const site = await newSite();
    const tie = (worker: string, id: string, type: EventInput["event_type"], time = "08:00:00") =>
      ev(time, worker, "S1", type, { event_id: `${worker}-${id}` });
    await postEvents(site.auth, [tie("W1", "b", "idle"), tie("W2", "a", "working")]);
    await postEvents(site.auth, [tie("W1", "a", "working"), tie("W2", "b", "idle")]);
    await postEvents(site.auth, [tie("W1", "c", "working", "08:01:00"), tie("W2", "c", "working", "08:01:00")]);
    const metricsSite = { siteId: site.siteId, maxStateSeconds: 600 };
    const workers = await withDb((db) => computeMetrics(db, metricsSite, { type: "worker" }, win("08:00:00", "08:05:00"), LATER));
    expect(workers.map((w) => [w.worker_id, w.working_seconds, w.idle_seconds, w.unknown_seconds])).toEqual([
      ["W1", 240, 60, 0],
      ["W2", 240, 60, 0],
    ]);
    const s1 = await withDb((db) => computeMetrics(db, metricsSite, { type: "workstation", id: "S1" }, win("08:00:00", "08:05:00"), LATER));
    expect(s1).toMatchObject({ person_working_seconds: 480, occupied_seconds: 240, idle_seconds: 120 });
  });

  it("treats windows as [start, end): an event at end is outside, its interval is clipped", async () => {
    const site = await siteWith([
      ev("08:00:00.250", "W1", "S1", "working"),
      ev("08:10:00", "W1", "S1", "product_count", { count: 2 }),
    ]);
    const m = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker", id: "W1" }, win("08:00:00", "08:10:00"), LATER));
    expect(m).toMatchObject({ working_seconds: 599.75, units: 0, events: 1, last_seen: "2026-03-02T08:00:00.250Z" });
  });

  it("lists every registered worker and workstation, with zeros for silent ones", async () => {
    const site = await siteWith([ev("06:00:00", "W9", "S9", "absent"), ev("08:01:00", "W1", "S1", "working")], 60);
    const workers = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "worker" }, win("08:00:00", "08:02:00"), LATER));
    expect(workers.map((w) => [w.worker_id, w.working_seconds, w.absent_seconds, w.events])).toEqual([
      ["W1", 60, 0, 1],
      ["W9", 0, 0, 0],
    ]);
    expect(workers[1]).toMatchObject({ utilization_pct: null, avg_confidence: null, units_per_working_hour: null, last_seen: null });
    const stations = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "workstation" }, win("08:00:00", "08:02:00"), LATER));
    expect(stations.map((s) => [s.workstation_id, s.occupied_seconds, s.workers_seen])).toEqual([
      ["S1", 60, ["W1"]],
      ["S9", 0, []],
    ]);
  });

  it("reports null for unknown workers and workstations", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working")]);
    await withDb(async (db) => {
      expect(await computeMetrics(db, site.metricsSite, { type: "worker", id: "nobody" }, win("08:00:00", "09:00:00"), LATER)).toBeNull();
      expect(await computeMetrics(db, site.metricsSite, { type: "workstation", id: "nowhere" }, win("08:00:00", "09:00:00"), LATER)).toBeNull();
    });
  });
});

describe("factory metrics", () => {
  it("totals workers and splits time and units into UTC hours clipped to the window", async () => {
    const site = await siteWith([
      ev("08:50:00", "W1", "S1", "working"),
      ev("08:55:00", "W1", "S1", "product_count", { count: 4 }),
      ev("09:05:00", "W1", "S1", "product_count", { count: 1 }),
      ev("09:00:00", "W1", "S1", "working"),
      ev("09:10:00", "W1", "S1", "idle"),
      ev("09:00:00", "W2", "S2", "idle"),
    ]);
    const f = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "factory" }, win("08:45:00", "09:15:00"), LATER));
    expect(f).toMatchObject({
      working_seconds: 1200,
      idle_seconds: 300 + 600,
      unknown_seconds: 300,
      units: 5,
      events: 6,
      active_workers: 1,
      workstations_active: 1,
      window_seconds: 1800,
      hourly: [
        { hour_start: "2026-03-02T08:00:00.000Z", working_seconds: 600, idle_seconds: 0, absent_seconds: 0, units: 4, active_workers: 1 },
        // W2 idle only: not an active worker, but its idle time counts
        { hour_start: "2026-03-02T09:00:00.000Z", working_seconds: 600, idle_seconds: 900, absent_seconds: 0, units: 1, active_workers: 1 },
      ],
    });
    expect(f.utilization_pct).toBeCloseTo((1200 / 2100) * 100, 9);
    // W1: 1200 / 1500, W2: 0 / 600
    expect(f.avg_utilization_pct).toBeCloseTo(40, 9);
    expect(f.units_per_hour).toBeCloseTo(10, 9);
  });

  it("has no hourly buckets for an empty window", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working")]);
    const f = await withDb((db) => computeMetrics(db, site.metricsSite, { type: "factory" }, win("08:30:00", "08:30:00"), LATER));
    expect(f).toMatchObject({ hourly: [], working_seconds: 0, window_seconds: 0, utilization_pct: null, units_per_hour: null });
  });
});

describe("rollups", () => {
  it("splits a window into rolled-up hours and fresh head and tail", () => {
    const plan = planWindow(win("08:30:00", "12:15:00"), T("11:00:00"));
    expect(plan).toEqual({
      fresh: [win("08:30:00", "09:00:00"), win("11:00:00", "12:15:00")],
      rollup: win("09:00:00", "11:00:00"),
    });
    expect(planWindow(win("08:30:00", "09:15:00"), T("11:00:00"))).toEqual({ fresh: [win("08:30:00", "09:15:00")] });
    expect(planWindow(win("08:30:00", "12:00:00"))).toEqual({ fresh: [win("08:30:00", "12:00:00")] });
  });

  it("gives the same metrics from rollups as fresh, and a rebuild replaces changed hours", async () => {
    const events = [
      ev("07:58:00", "W1", "S1", "working"),
      ev("08:20:00.125", "W1", "S1", "working"),
      ev("08:25:00", "W2", "S1", "working"),
      ev("08:40:00", "W1", "S2", "idle"),
      ev("09:05:00", "W2", "S1", "product_count", { count: 2, confidence: 0.5 }),
      ev("09:30:00", "W2", "S2", "absent"),
      ev("10:59:59.999", "W1", "S1", "working"),
    ];
    const site = await siteWith(events);
    const window = win("08:10:00", "11:20:00");
    await withDb(async (db) => {
      const built = await rebuildRollupHours(db, site.metricsSite, T("07:00:00"), T("11:00:00"), LATER);
      expect(built.hours).toBe(4);
      const opts = { rollupsBefore: T("11:00:00") };
      const check = async () => {
        const reference = referenceMetrics({
          events: await storedEvents(site.siteId),
          maxStateSeconds: 600,
          start: window.start.getTime(),
          end: window.end.getTime(),
          now: LATER.getTime(),
        });
        for (const o of [{}, opts]) {
          expect(firstDifference(await computeMetrics(db, site.metricsSite, { type: "factory" }, window, LATER, o), reference.factory)).toBeNull();
          expect(firstDifference(await computeMetrics(db, site.metricsSite, { type: "worker" }, window, LATER, o), reference.workers)).toBeNull();
          expect(firstDifference(await computeMetrics(db, site.metricsSite, { type: "workstation" }, window, LATER, o), reference.workstations)).toBeNull();
        }
      };
      await check();
      // A late event at 09:10 changes W1's time (and its workstations') only from 09:10 to the cap
      // (09:20), and whether W1's next event (10:59:59.999, back at S1) is a station change: until
      // those hours are rebuilt the rollups are behind, and rebuilding just them is enough, which
      // is what ingest asks the recompute for.
      await postEvents(site.auth, [ev("09:10:00", "W1", "S1", "working")]);
      const stale = await computeMetrics(db, site.metricsSite, { type: "factory" }, window, LATER, opts);
      const fresh = await computeMetrics(db, site.metricsSite, { type: "factory" }, window, LATER);
      expect(stale.working_seconds).not.toBeCloseTo(fresh.working_seconds, 3);
      const requested = await query<{ window_start: Date; window_end: Date }>(
        "select min(window_start) as window_start, max(window_end) as window_end from recompute_requests where site_id = $1",
        [site.siteId],
      );
      expect(requested[0]).toEqual({ window_start: T("09:00:00"), window_end: T("11:00:00") });
      await rebuildRollupHours(db, site.metricsSite, requested[0].window_start, requested[0].window_end, LATER);
      await check();
      // The rows themselves: one per worker and hour with anything in it, each the fresh
      // computation of that hour (so the reads above really came from rollups, not from events).
      const rows = await query<{ worker_id: string; hour: Date; working_seconds: number; idle_seconds: number; absent_seconds: number; unknown_seconds: number; units: string; events: number }>(
        `select worker_id, hour, working_seconds, idle_seconds, absent_seconds, unknown_seconds, units, events
         from worker_hour_rollups where site_id = $1 order by worker_id, hour`,
        [site.siteId],
      );
      const expected = [];
      for (const worker of ["W1", "W2"]) {
        for (const h of ["07", "08", "09", "10"]) {
          const m = await computeMetrics(db, site.metricsSite, { type: "worker", id: worker }, win(`${h}:00:00`, `${Number(h) + 1}:00:00`.padStart(8, "0")), LATER);
          if (!m || m.working_seconds + m.idle_seconds + m.absent_seconds + m.unknown_seconds + m.events === 0) continue;
          expected.push([worker, `2026-03-02T${h}:00:00.000Z`, m.working_seconds, m.idle_seconds, m.absent_seconds, m.unknown_seconds, m.units, m.events]);
        }
      }
      expect(rows.map((r) => [r.worker_id, new Date(r.hour).toISOString(), r.working_seconds, r.idle_seconds, r.absent_seconds, r.unknown_seconds, Number(r.units), r.events])).toEqual(expected);
      // W1 from 07:58, W2 from 08:25 (and unknown after its last event): 4 + 3 rows.
      expect(expected.map((e) => `${e[0]} ${String(e[1]).slice(11, 13)}`)).toEqual(["W1 07", "W1 08", "W1 09", "W1 10", "W2 08", "W2 09", "W2 10"]);
    });
  });

  it("replaces the rows of the range, dropping hours that became empty", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working")]);
    const rows = () =>
      query<{ hour: Date; working_seconds: number; unknown_seconds: number }>(
        "select hour, working_seconds, unknown_seconds from worker_hour_rollups where site_id = $1 order by hour",
        [site.siteId],
      );
    await withDb(async (db) => {
      await rebuildRollupHours(db, site.metricsSite, T("08:00:00"), T("10:00:00"), T("10:00:00"));
      expect((await rows()).map((r) => [r.working_seconds, r.unknown_seconds])).toEqual([
        [600, 3000],
        [0, 3600],
      ]);
      // rebuilt as of 08:30: 09:00 has nothing yet, so its row goes
      await rebuildRollupHours(db, site.metricsSite, T("08:00:00"), T("10:00:00"), T("08:30:00"));
      expect((await rows()).map((r) => [new Date(r.hour).toISOString(), r.working_seconds, r.unknown_seconds])).toEqual([
        ["2026-03-02T08:00:00.000Z", 600, 1200],
      ]);
    });
  });
});

describe("GET /api/metrics", () => {
  const qs = (start: string, end: string) => `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;

  it("answers worker, workstation, factory and list metrics in the envelope", async () => {
    const site = await siteWith([
      ev("08:00:00", "W1", "S1", "working"),
      ev("08:01:00", "W1", "S1", "product_count", { count: 2 }),
      ev("08:02:00", "W1", "S1", "idle"),
    ]);
    const q = qs("2026-03-02T09:00:00+01:00", "2026-03-02T08:05:00Z");
    const asked = Date.now();
    const res = await api(`/metrics/worker/W1?${q}`, { headers: site.read });
    const answered = Date.now();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { site_id: string; window: unknown; computed_at: string; metrics: Record<string, unknown> };
    expect(body).toMatchObject({
      site_id: site.siteId,
      window: { start: "2026-03-02T08:00:00.000Z", end: "2026-03-02T08:05:00.000Z" },
      metrics: { worker_id: "W1", working_seconds: 120, idle_seconds: 180, units: 2, events: 3 },
    });
    // computed for this request: an ISO instant between asking and answering
    expect(body.computed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(body.computed_at)).toBeGreaterThanOrEqual(asked);
    expect(Date.parse(body.computed_at)).toBeLessThanOrEqual(answered);

    const station = (await (await api(`/metrics/workstation/S1?${q}`, { headers: site.read })).json()) as { metrics: unknown };
    expect(station.metrics).toMatchObject({ workstation_id: "S1", occupied_seconds: 120, units: 2, workers_seen: ["W1"] });
    const factory = (await (await api(`/metrics/factory?${q}`, { headers: site.read })).json()) as { site_id: string; window: unknown; metrics: unknown };
    expect(factory.metrics).toMatchObject({
      working_seconds: 120,
      idle_seconds: 180,
      units: 2,
      active_workers: 1,
      hourly: [{ hour_start: "2026-03-02T08:00:00.000Z", working_seconds: 120, idle_seconds: 180, absent_seconds: 0, units: 2, active_workers: 1 }],
    });
    // The lists hold exactly what the single-entity reads answer.
    const workers = (await (await api(`/metrics/workers?${q}`, { headers: site.read })).json()) as { metrics: unknown[] };
    expect(workers.metrics).toEqual([body.metrics]);
    const stations = (await (await api(`/metrics/workstations?${q}`, { headers: site.read })).json()) as { metrics: unknown[] };
    expect(stations.metrics).toEqual([station.metrics]);

    // the admin token reads any site with ?site=: the same answer as the site's read key gets
    const admin = await api(`/metrics/factory?${q}&site=${site.siteId}`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({ site_id: site.siteId, window: factory.window, metrics: factory.metrics });
  });

  it("takes ids with / and # when they are percent-encoded", async () => {
    const site = await siteWith([ev("08:00:00", "line-1/W#7", "cell/2", "working")]);
    const q = qs("2026-03-02T08:00:00Z", "2026-03-02T08:05:00Z");
    const worker = await api(`/metrics/worker/${encodeURIComponent("line-1/W#7")}?${q}`, { headers: site.read });
    expect(worker.status).toBe(200);
    expect(((await worker.json()) as { metrics: unknown }).metrics).toMatchObject({ worker_id: "line-1/W#7", working_seconds: 300 });
    const station = await api(`/metrics/workstation/${encodeURIComponent("cell/2")}?${q}`, { headers: site.read });
    expect(((await station.json()) as { metrics: unknown }).metrics).toMatchObject({ workstation_id: "cell/2", occupied_seconds: 300 });
  });

  it("answers 404 for unknown workers and workstations", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working")]);
    const q = qs("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z");
    const worker = await api(`/metrics/worker/W404?${q}`, { headers: site.read });
    expect(worker.status).toBe(404);
    expect(((await worker.json()) as ErrorBody).error.code).toBe("worker_not_found");
    const station = await api(`/metrics/workstation/S404?${q}`, { headers: site.read });
    expect(station.status).toBe(404);
    expect(((await station.json()) as ErrorBody).error.code).toBe("workstation_not_found");
  });

  const bad: [string, string, string][] = [
    ["missing start", "end=2026-03-02T09:00:00Z", "start"],
    ["missing end", "start=2026-03-02T09:00:00Z", "end"],
    ["no offset", qs("2026-03-02T08:00:00", "2026-03-02T09:00:00Z"), "start"],
    ["not a date", qs("yesterday", "2026-03-02T09:00:00Z"), "start"],
    ["end before start", qs("2026-03-02T09:00:00Z", "2026-03-02T08:59:59Z"), "end"],
    ["span over 93 days", qs("2026-01-01T00:00:00Z", "2026-04-04T00:00:01Z"), "end"],
  ];
  it.each(bad)("answers 400 for %s", async (_name, search, field) => {
    const site = await newSite();
    for (const path of ["/metrics/factory", "/metrics/worker/W1", "/metrics/workstations"]) {
      const res = await api(`${path}?${search}`, { headers: site.read });
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details.map((d) => d.path)).toContain(field);
    }
  });

  it("accepts a window of exactly 93 days and an empty one", async () => {
    const site = await siteWith([ev("08:00:00", "W1", "S1", "working"), ev("08:05:00", "W1", "S1", "product_count", { count: 4 })]);
    const read = async (start: string, end: string) => {
      const res = await api(`/metrics/factory?${qs(start, end)}`, { headers: site.read });
      expect(res.status).toBe(200);
      return (await res.json()) as { window: { start: string; end: string }; metrics: { working_seconds: number; units: number; events: number; window_seconds: number; hourly: { hour_start: string }[] } };
    };
    const long = await read("2026-01-01T00:00:00Z", "2026-04-04T00:00:00Z");
    expect(long.window).toEqual({ start: "2026-01-01T00:00:00.000Z", end: "2026-04-04T00:00:00.000Z" });
    // the whole 93 days are computed: the 10 minutes of work (the cap) and the units are in it
    expect(long.metrics).toMatchObject({ working_seconds: 600, units: 4, events: 2 });
    expect(long.metrics.window_seconds).toBe(93 * 86_400);
    const empty = await read("2026-03-02T08:00:00Z", "2026-03-02T08:00:00Z");
    expect(empty.window).toEqual({ start: "2026-03-02T08:00:00.000Z", end: "2026-03-02T08:00:00.000Z" });
    expect(empty.metrics).toMatchObject({ working_seconds: 0, units: 0, events: 0, window_seconds: 0, hourly: [], utilization_pct: null });
  });

  it("needs a key", async () => {
    const res = await api(`/metrics/factory?${qs("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z")}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "unauthorized", details: [] });
    const wrong = await api(`/metrics/factory?${qs("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z")}`, { headers: { authorization: "Bearer wpd_not-a-key" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as ErrorBody).error.code).toBe("unauthorized");
    // A site's ingest key is a key, but only for sending events.
    const site = await newSite();
    const ingestKey = await api(`/metrics/factory?${qs("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z")}`, { headers: site.auth });
    expect(ingestKey.status).toBe(403);
    expect(((await ingestKey.json()) as ErrorBody).error.code).toBe("ingest_key_cannot_read");
  });
});
