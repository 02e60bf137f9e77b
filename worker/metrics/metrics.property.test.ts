// Property tests: random event streams are ingested through the API, then every metric (worker,
// workstation, factory; fresh and rollup-backed; through db/metrics with an explicit `now` and
// through the HTTP routes) must equal the plain reference implementation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeMetrics, rebuildRollupHours } from "../../db/metrics";
import { api, newSite } from "../../test/helpers";
import { firstDifference, postEvents, storedEvents, withDb } from "../../test/reference/helpers";
import { referenceMetrics, type RefEvent } from "../../test/reference/metrics-reference";
import type { EventInput } from "../../contract/events";

const SEED = 20_261_124;
const NUM_RUNS = 30;

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const SPAN = 4 * HOUR;

// Mixed case on purpose: "C" order (B < W < a < w) differs from most locales.
const WORKER_IDS = ["W1", "a2", "B3", "w4"];
const STATION_IDS = ["S1", "s2", "A3"];

type GenEvent = {
  worker: number;
  station: number;
  type: EventInput["event_type"];
  offset: number;
  confidence: number;
  count: number;
  tag: number;
};

const offsetArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: SPAN }) },
  // whole seconds and minutes make ties (within and across workers) and events on hour boundaries
  { weight: 2, arbitrary: fc.integer({ min: 0, max: SPAN / SEC }).map((s) => s * SEC) },
  { weight: 2, arbitrary: fc.constantFrom(0, 7 * MIN, HOUR, 90 * MIN, 2 * HOUR, 3 * HOUR - 1, 3 * HOUR) },
);

const stateArb = fc.constantFrom("working", "idle", "absent") as fc.Arbitrary<EventInput["event_type"]>;

const eventArb = (workers: number, stations: number) =>
  fc.record({
    worker: fc.integer({ min: 0, max: workers - 1 }),
    station: fc.integer({ min: 0, max: stations - 1 }),
    type: fc.constantFrom("working", "working", "working", "idle", "absent", "product_count", "product_count") as fc.Arbitrary<EventInput["event_type"]>,
    offset: offsetArb,
    confidence: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
    count: fc.integer({ min: 1, max: 5 }),
    tag: fc.integer({ min: 0, max: 0xffff }),
  });

/** A window relative to the data's start; aligned to hours or not, possibly empty. */
const windowArb = fc.oneof(
  fc
    .tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 4 }))
    .map(([h, len]) => ({ start: h * HOUR, end: (h + len) * HOUR })),
  fc
    .tuple(fc.integer({ min: -HOUR, max: SPAN }), fc.integer({ min: 0, max: 3 * HOUR }))
    .map(([start, len]) => ({ start, end: start + len })),
);

const scenarioArb = fc
  .record({
    workers: fc.integer({ min: 2, max: 4 }),
    stations: fc.integer({ min: 1, max: 3 }),
    cap: fc.constantFrom(120, 600, 900),
  })
  .chain(({ workers, stations, cap }) =>
    fc
      .array(eventArb(workers, stations), { minLength: 4, maxLength: 60 })
      .chain((events) =>
        fc.record({
          cap: fc.constant(cap),
          events: fc.constant(events),
          // events at exactly the time of another of the same worker (ordered by event id)
          ties: fc.array(
            fc.record({
              of: fc.integer({ min: 0, max: events.length - 1 }),
              station: fc.integer({ min: 0, max: stations - 1 }),
              type: stateArb,
              tag: fc.integer({ min: 0, max: 0xffff }),
            }),
            { maxLength: 5 },
          ),
          // retries of already generated events, and the order and batches they are posted in
          duplicates: fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 6 }),
          shuffle: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: events.length + 5, maxLength: events.length + 5 }),
          batches: fc.integer({ min: 1, max: 3 }),
          windows: fc.array(windowArb, { minLength: 3, maxLength: 3 }),
          // where `now` falls relative to the data: inside it (windows partly in the future) or after
          nowOffset: fc.oneof(fc.integer({ min: 0, max: SPAN + HOUR }), fc.constant(SPAN + 10 * HOUR)),
          // the rollup watermark, in hours after the data's start
          watermark: fc.integer({ min: -1, max: 6 }),
          pick: fc.nat(),
        }),
      ),
  );

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function toInput(e: GenEvent, i: number, base: number): EventInput {
  return {
    event_id: `e${e.tag.toString(16)}-${i}`,
    timestamp: new Date(base + e.offset).toISOString(),
    worker_id: WORKER_IDS[e.worker],
    workstation_id: STATION_IDS[e.station],
    event_type: e.type,
    confidence: e.confidence,
    ...(e.type === "product_count" ? { count: e.count } : {}),
  };
}

/** The generated events plus the tie partners, each with its own id. */
function allEvents(s: Scenario): GenEvent[] {
  const ties = s.ties.map((t) => ({ ...s.events[t.of], station: t.station, type: t.type, tag: t.tag }));
  return [...s.events, ...ties];
}

async function ingestScenario(s: Scenario, base: number) {
  const site = await newSite({ maxStateSeconds: s.cap });
  const inputs = allEvents(s).map((e, i) => toInput(e, i, base));
  // a seeded shuffle: sort by the generated keys
  const order = inputs.map((_, i) => i).sort((a, b) => s.shuffle[a] - s.shuffle[b] || a - b);
  const posted = [...order.map((i) => inputs[i]), ...s.duplicates.map((i) => inputs[i])];
  const size = Math.ceil(posted.length / s.batches);
  for (let i = 0; i < posted.length; i += size) await postEvents(site.auth, posted.slice(i, i + size));
  return { site, metricsSite: { siteId: site.siteId, maxStateSeconds: s.cap } };
}

function check(label: string, actual: unknown, expected: unknown) {
  const diff = firstDifference(actual, expected);
  if (diff) throw new Error(`${label}: ${diff}`);
}

describe("metrics equal the reference implementation", () => {
  it("for random event streams, fresh and rollup-backed, through db/metrics and HTTP", { timeout: 120_000 }, async () => {
    // A fixed hour, so a failing case replays with the same timestamps whenever it runs. In the past
    // (ingest refuses timestamps more than a day ahead), so the HTTP reads' real clock is past every
    // window; the db/metrics calls take their `now` from the scenario.
    const base = Date.parse("2026-03-02T06:00:00Z");
    await withDb(async (db) => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          const { site, metricsSite } = await ingestScenario(s, base);
          const stored: RefEvent[] = await storedEvents(site.siteId);
          expect(stored.length).toBe(allEvents(s).length);
          const now = new Date(base + s.nowOffset);
          const reference = (w: { start: number; end: number }, nowMs: number) =>
            referenceMetrics({ events: stored, maxStateSeconds: s.cap, start: w.start, end: w.end, now: nowMs });

          // rollups over the whole data range, built as of `now`
          await rebuildRollupHours(db, metricsSite, new Date(base - 2 * HOUR), new Date(base + SPAN + 2 * HOUR), now);
          const rollupsBefore = new Date(base + s.watermark * HOUR);

          for (const [k, rel] of s.windows.entries()) {
            const w = { start: base + rel.start, end: base + rel.end };
            const window = { start: new Date(w.start), end: new Date(w.end) };
            const ref = reference(w, now.getTime());
            const workerId = ref.workers[s.pick % ref.workers.length].worker_id;
            const stationId = ref.workstations[s.pick % ref.workstations.length].workstation_id;
            for (const [mode, opts] of [["fresh", {}], ["rollups", { rollupsBefore }]] as const) {
              const at = `window ${k} [${rel.start / MIN}, ${rel.end / MIN}) min, now +${s.nowOffset / MIN} min, ${mode}`;
              check(`${at} factory`, await computeMetrics(db, metricsSite, { type: "factory" }, window, now, opts), ref.factory);
              check(`${at} workers`, await computeMetrics(db, metricsSite, { type: "worker" }, window, now, opts), ref.workers);
              check(`${at} workstations`, await computeMetrics(db, metricsSite, { type: "workstation" }, window, now, opts), ref.workstations);
              check(
                `${at} worker ${workerId}`,
                await computeMetrics(db, metricsSite, { type: "worker", id: workerId }, window, now, opts),
                ref.workers.find((x) => x.worker_id === workerId),
              );
              check(
                `${at} workstation ${stationId}`,
                await computeMetrics(db, metricsSite, { type: "workstation", id: stationId }, window, now, opts),
                ref.workstations.find((x) => x.workstation_id === stationId),
              );
            }
          }

          // HTTP, with the real clock (the data is in the past): the first window
          const w = { start: base + s.windows[0].start, end: base + s.windows[0].end };
          const q = `start=${new Date(w.start).toISOString()}&end=${new Date(w.end).toISOString()}`;
          const get = async (path: string) => {
            const res = await api(`/metrics/${path}?${q}`, { headers: site.read });
            expect(res.status, path).toBe(200);
            const body = (await res.json()) as { computed_at: string; metrics: unknown };
            return { metrics: body.metrics, ref: reference(w, Date.parse(body.computed_at)) };
          };
          const factory = await get("factory");
          check("http factory", factory.metrics, factory.ref.factory);
          const workers = await get("workers");
          check("http workers", workers.metrics, workers.ref.workers);
          const stations = await get("workstations");
          check("http workstations", stations.metrics, stations.ref.workstations);
          const one = await get(`worker/${WORKER_IDS[s.events[0].worker]}`);
          check("http worker", one.metrics, one.ref.workers.find((x) => x.worker_id === WORKER_IDS[s.events[0].worker]));
          const station = await get(`workstation/${STATION_IDS[s.events[0].station]}`);
          check(
            "http workstation",
            station.metrics,
            station.ref.workstations.find((x) => x.workstation_id === STATION_IDS[s.events[0].station]),
          );
        }),
        { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
      );
    });
  });
});
