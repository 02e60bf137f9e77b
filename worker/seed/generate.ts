import type { EventInput } from "../../contract/events";
import { zone } from "../../contract/time-zone";
import { seededRandom } from "../lib/seeded-random";

/**
 * Deterministic demo data: shift-shaped camera event streams for a small plant. Pure standard JS
 * (no I/O, no Node APIs) so the same code seeds from a script or from inside the Worker.
 */

export type SeedSize = "small" | "medium" | "heavy";

export const seedSizes: Record<SeedSize, { days: number; events: number }> = {
  small: { days: 1, events: 10_000 },
  medium: { days: 7, events: 100_000 },
  heavy: { days: 30, events: 1_000_000 },
};

export type SeedOptions = {
  days: number;
  events: number;
  end: Date;
  /** IANA zone of the site: shifts follow its wall clock, DST included. */
  timeZone: string;
  seed?: number;
  workers?: number;
  workstations?: number;
  batchSize?: number;
};

type State = "working" | "idle" | "absent";
type Segment = { start: number; end: number; state: State; station: number };
type Shift = { worker: number; start: number; end: number };
type Stamped = [t: number, e: EventInput];

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const DUPLICATE_RATE = 0.005;
const LATE_RATE = 0.002;
const HELP_RATE = 0.04;
const PRODUCT_GAP = 3 * MIN;
// Gaps are drawn from [0.5, 1.5] x mean, so a 5 min mean keeps every gap under the 600 s after
// which metrics call the state unknown.
const MAX_HEARTBEAT = 5 * MIN;
const MIN_HEARTBEAT = 1000;
// Above this many events per worker-day a two-shift plant would need a heartbeat every few
// seconds; running around the clock spreads the load more plausibly.
const THREE_SHIFT_THRESHOLD = 4000;
// Renewal-process corrections: a segment opens with a state event (+13/24 on average for gaps
// uniform in [0.5, 1.5] x mean); products only start after a first gap (-11/24).
const STATE_EXTRA = 13 / 24;
const PRODUCT_EXTRA = -11 / 24;

// One independent stream per (seed, day, worker, purpose): the calibration pass can then replay
// exactly the timelines the real pass will produce.
function rngFor(...parts: number[]): () => number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 15;
  }
  return seededRandom(h);
}

type Zone = ReturnType<typeof zone>;

function shiftsOn(day: number, workers: number, threeShifts: boolean, z: Zone): Shift[] {
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const week = Math.floor((day + 3) / 7);
  const n = threeShifts ? 3 : 2;
  const spans = [
    [6 * 60, 14 * 60],
    [14 * 60, 22 * 60],
    [22 * 60, 30 * 60],
  ];
  const slot = (w: number) => (w + week) % n; // crews rotate weekly
  const all = Array.from({ length: workers }, (_, w) => w);
  const dayCrew = all.filter((w) => slot(w) === 0);
  const plan: [number, number, number][] =
    weekday === 6
      ? dayCrew.map((w) => [w, 6 * 60, 14 * 60])
      : weekday === 0
        ? dayCrew.slice(0, Math.ceil(dayCrew.length / 2)).map((w) => [w, 6 * 60, 12 * 60])
        : all.map((w) => [w, spans[slot(w)][0], spans[slot(w)][1]]);
  return plan.map(([worker, from, to]) => ({ worker, start: z.toUtc(day, from), end: z.toUtc(day, to) }));
}

function timeline(shift: Shift, stations: number, rand: () => number): Segment[] {
  const home = shift.worker % stations;
  // People arrive a little late and leave a little early, never outside the shift.
  const start = shift.start + rand() * 8 * MIN;
  const end = shift.end - rand() * 8 * MIN;
  const len = shift.end - shift.start;
  const shortBreak = (at: number): [number, number, State] => [
    start + len * at + (rand() - 0.5) * 20 * MIN,
    (10 + rand() * 5) * MIN,
    rand() < 0.6 ? "absent" : "idle",
  ];
  const lunch = (): [number, number, State] => [
    start + len * 0.5 + (rand() - 0.5) * 30 * MIN,
    (27 + rand() * 6) * MIN,
    "absent",
  ];
  // Weekend half-shifts get a single short break; the zero-length entry closes the shift.
  const breaks = len >= 7 * HOUR ? [shortBreak(0.25), lunch(), shortBreak(0.75)] : [shortBreak(0.5)];
  breaks.push([end, 0, "absent"]);

  const segs: Segment[] = [];
  let t = start;
  let station = home;
  for (const [breakAt, breakLen, breakState] of breaks) {
    while (t < breakAt) {
      if (stations > 1 && rand() < HELP_RATE) {
        const other = Math.floor(rand() * (stations - 1));
        station = other >= home ? other + 1 : other;
      } else station = home;
      let next = Math.min(breakAt, t + (5 + rand() * 40) * MIN);
      segs.push({ start: t, end: next, state: "working", station });
      t = next;
      if (t >= breakAt) break;
      const absent = rand() < 0.15;
      next = Math.min(breakAt, t + (absent ? 2 + rand() * 8 : 1 + rand() * 5) * MIN);
      segs.push({ start: t, end: next, state: absent ? "absent" : "idle", station });
      t = next;
    }
    if (breakLen > 0) {
      segs.push({ start: t, end: t + breakLen, state: breakState, station: home });
      t += breakLen;
    }
  }
  return segs;
}

/** Worker timelines per local day: every day touching the window, plus the one before for night shifts. */
function* shiftDays(opts: Required<SeedOptions>, z: Zone, from: number, to: number) {
  const threeShifts = opts.events / (opts.workers * opts.days) > THREE_SHIFT_THRESHOLD;
  for (let day = z.localDay(from) - 1; day <= z.localDay(to); day++) {
    const shifts = shiftsOn(day, opts.workers, threeShifts, z).map((s) => ({
      worker: s.worker,
      segs: timeline(s, opts.workstations, rngFor(opts.seed, day, s.worker, 1)),
    }));
    yield { day, shifts };
  }
}

const NEW_MODEL = "v1.5.0";
// Both versions draw twice, so the rollout leaves every other random stream as it was. The newer
// model is a little less sure of itself (mean about 0.91 instead of 0.93, still within
// [0.75, 0.99]): enough for the drift panel to flag it against what the site saw before.
const confidence = (rand: () => number, model: string) => {
  const a = rand();
  const b = rand();
  return Math.round((0.99 - 0.24 * a * (model === NEW_MODEL ? Math.sqrt(b) : b)) * 1000) / 1000;
};

function* orderedEvents(opts: Required<SeedOptions>): Generator<Stamped> {
  const z = zone(opts.timeZone);
  const to = opts.end.getTime();
  const from = to - opts.days * DAY;
  const rollout = from + 0.6 * (to - from);

  // Calibration pass over the timelines only (cheap): sizes the heartbeat so the total lands near
  // `events` whatever the calendar, time zone and weekend share of the window.
  let segCount = 0;
  let total = 0;
  let workCount = 0;
  let work = 0;
  for (const { shifts } of shiftDays(opts, z, from, to))
    for (const { segs } of shifts)
      for (const s of segs) {
        const len = Math.min(s.end, to) - Math.max(s.start, from);
        if (len <= 0) continue;
        total += len;
        if (s.start >= from) segCount++;
        if (s.state !== "working") continue;
        work += len;
        if (s.start >= from) workCount++;
      }
  const target = opts.events / (1 + DUPLICATE_RATE);
  let productGap = PRODUCT_GAP;
  let heartbeat = total / (target - STATE_EXTRA * segCount - (work / productGap + PRODUCT_EXTRA * workCount));
  if (!(heartbeat > 0 && heartbeat <= MAX_HEARTBEAT)) {
    // Too few events asked for: keep states alive and thin out products instead.
    heartbeat = MAX_HEARTBEAT;
    const left = target - STATE_EXTRA * segCount - total / heartbeat - PRODUCT_EXTRA * workCount;
    productGap = left > 0 ? Math.max(MIN_HEARTBEAT, work / left) : Infinity;
  }
  heartbeat = Math.max(heartbeat, MIN_HEARTBEAT);

  let pending: Stamped[] = [];
  for (const { day, shifts } of shiftDays(opts, z, from, to)) {
    for (const { worker, segs } of shifts) {
      const rand = rngFor(opts.seed, day, worker, 2);
      const push = (t: number, station: number, type: EventInput["event_type"], count?: number) => {
        t = Math.floor(t);
        if (t < from || t > to) return;
        // The newer model is rolled out to every third camera late in the window.
        const model = station % 3 === 2 && t >= rollout ? NEW_MODEL : "v1.4.2";
        const e: EventInput = {
          timestamp: new Date(t).toISOString(),
          worker_id: `W${worker + 1}`,
          workstation_id: `S${station + 1}`,
          event_type: type,
          confidence: confidence(rand, model),
        };
        if (count !== undefined) e.count = count;
        e.model_version = model;
        pending.push([t, e]);
      };
      for (const s of segs) {
        for (let t = s.start; t < s.end; t += heartbeat * (0.5 + rand())) push(t, s.station, s.state);
        if (s.state !== "working") continue;
        for (let t = s.start + productGap * (0.5 + rand()); t < s.end; t += productGap * (0.5 + rand()))
          push(t, s.station, "product_count", 1 + Math.floor(rand() * 5));
      }
    }
    // No shift starts before local 06:00, so everything before the next local midnight is final.
    const cut = z.toUtc(day + 1, 0);
    pending.sort((a, b) => a[0] - b[0]);
    const keep = pending.findIndex(([t]) => t >= cut);
    const ready = keep < 0 ? pending : pending.slice(0, keep);
    pending = keep < 0 ? [] : pending.slice(keep);
    yield* ready;
  }
  yield* pending;
}

/** Camera behaviour: occasional verbatim retries and events held back for a few minutes. */
function* withCameraNoise(src: Iterable<Stamped>, rand: () => number): Generator<EventInput> {
  const held: Stamped[] = []; // [release time, event], kept sorted
  const hold = (at: number, e: EventInput) => {
    let i = held.length;
    while (i > 0 && held[i - 1][0] > at) i--;
    held.splice(i, 0, [at, e]);
  };
  for (const [t, e] of src) {
    while (held.length && held[0][0] < t) yield held.shift()![1];
    const r = rand();
    if (r < LATE_RATE) {
      hold(t + (2 + rand() * 6) * MIN, e);
      continue;
    }
    yield e;
    if (r < LATE_RATE + DUPLICATE_RATE) hold(t + rand() * 30_000, { ...e });
  }
  for (const [, e] of held) yield e;
}

/**
 * Streams demo events in batches of `batchSize`, roughly in timestamp order, holding about one
 * local day in memory. Options are checked up front, before the first batch is asked for.
 */
export function generateDemoBatches(opts: SeedOptions): Generator<EventInput[]> {
  // `??` rather than spreading defaults: callers often pass `seed: undefined` explicitly.
  const o: Required<SeedOptions> = {
    ...opts,
    seed: opts.seed ?? 42,
    workers: opts.workers ?? 6,
    workstations: opts.workstations ?? 6,
    batchSize: opts.batchSize ?? 5000,
  };
  if (!(o.days > 0) || !Number.isFinite(o.days)) throw new RangeError("days must be a positive number");
  if (!(o.events >= 0) || !Number.isFinite(o.events)) throw new RangeError("events must be a non-negative number");
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new RangeError("workers must be a positive integer");
  if (!Number.isInteger(o.workstations) || o.workstations < 1)
    throw new RangeError("workstations must be a positive integer");
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new RangeError("batchSize must be a positive integer");
  if (Number.isNaN(o.end.getTime())) throw new RangeError("end must be a valid date");
  zone(o.timeZone); // throws RangeError for an unknown zone
  return batches(o);
}

function* batches(o: Required<SeedOptions>): Generator<EventInput[]> {
  if (o.events === 0) return;
  let batch: EventInput[] = [];
  for (const e of withCameraNoise(orderedEvents(o), rngFor(o.seed, 3))) {
    batch.push(e);
    if (batch.length === o.batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
