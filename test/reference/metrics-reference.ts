// A plain reference implementation of the metric semantics, written independently of the SQL in
// db/metrics: it builds every worker's whole state timeline from all events first, then clips it
// to the window. Clear over fast; all time arithmetic is in integer milliseconds (exact), converted
// to seconds at the very end. Property tests compare the SQL engine against it.

export type RefEventType = "working" | "idle" | "absent" | "product_count";

export type RefEvent = {
  event_id: string;
  /** Milliseconds since the epoch. */
  ts: number;
  worker_id: string;
  workstation_id: string;
  event_type: RefEventType;
  /** As given; the reference rounds it to float4 like the `real` column does. */
  confidence: number;
  count: number | null;
  is_late: boolean;
};

export type RefInput = {
  /** Every stored event of the site (already de-duplicated by event id). */
  events: RefEvent[];
  maxStateSeconds: number;
  /** Milliseconds; [start, end). */
  start: number;
  end: number;
  now: number;
  /** Ids in the site's workers / workstations tables (defaults: those seen in events). */
  workers?: string[];
  workstations?: string[];
};

type Kind = "working" | "idle" | "absent" | "unknown";
type Interval = { worker: string; station: string; kind: Kind; from: number; to: number };

const HOUR = 3_600_000;
const encoder = new TextEncoder();

/** Byte order of the UTF-8 encodings: what Postgres' "C" collation uses. */
export function compareIds(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const sortIds = (ids: Iterable<string>) => [...new Set(ids)].sort(compareIds);

/**
 * The whole timeline: each state event starts an interval that lasts until the worker's next
 * state event, capped at maxStateSeconds; the rest of a longer gap is `unknown`. The last
 * interval is open-ended (to = Infinity); clipping to the window and `now` happens later.
 */
function timeline(events: RefEvent[], capMs: number): Interval[] {
  const byWorker = new Map<string, RefEvent[]>();
  for (const e of events) {
    if (e.event_type === "product_count") continue;
    byWorker.set(e.worker_id, [...(byWorker.get(e.worker_id) ?? []), e]);
  }
  const out: Interval[] = [];
  for (const [worker, list] of byWorker) {
    list.sort((a, b) => a.ts - b.ts || compareIds(a.event_id, b.event_id));
    list.forEach((e, i) => {
      const next = i + 1 < list.length ? list[i + 1].ts : Infinity;
      const capEnd = e.ts + capMs;
      const kind = e.event_type as Kind;
      out.push({ worker, station: e.workstation_id, kind, from: e.ts, to: Math.min(next, capEnd) });
      if (next > capEnd) out.push({ worker, station: e.workstation_id, kind: "unknown", from: capEnd, to: next });
    });
  }
  return out;
}

/** Length in ms of [from, to) ∩ [lo, hi). */
const overlap = (iv: { from: number; to: number }, lo: number, hi: number) =>
  Math.max(0, Math.min(iv.to, hi) - Math.max(iv.from, lo));

/** Measure of the union of intervals clipped to [lo, hi). */
function unionLength(ivs: { from: number; to: number }[], lo: number, hi: number): number {
  const clipped = ivs
    .map((iv) => ({ from: Math.max(iv.from, lo), to: Math.min(iv.to, hi) }))
    .filter((iv) => iv.to > iv.from)
    .sort((a, b) => a.from - b.from);
  let total = 0;
  let curFrom = -Infinity;
  let curTo = -Infinity;
  for (const iv of clipped) {
    if (iv.from > curTo) {
      if (curTo > curFrom) total += curTo - curFrom;
      curFrom = iv.from;
      curTo = iv.to;
    } else {
      curTo = Math.max(curTo, iv.to);
    }
  }
  if (curTo > curFrom) total += curTo - curFrom;
  return total;
}

/**
 * Per worker, the instants at which its state moved to another workstation: its state events in
 * (ts, event_id) order, of events tied on a timestamp only the last (the others last no time),
 * and every event at another workstation than the one before it.
 */
function stationMoves(events: RefEvent[]): Map<string, number[]> {
  const byWorker = new Map<string, RefEvent[]>();
  for (const e of events) {
    if (e.event_type === "product_count") continue;
    byWorker.set(e.worker_id, [...(byWorker.get(e.worker_id) ?? []), e]);
  }
  const moves = new Map<string, number[]>();
  for (const [worker, list] of byWorker) {
    list.sort((a, b) => a.ts - b.ts || compareIds(a.event_id, b.event_id));
    const lasting = list.filter((e, i) => i + 1 === list.length || list[i + 1].ts > e.ts);
    moves.set(worker, lasting.filter((e, i) => i > 0 && e.workstation_id !== lasting[i - 1].workstation_id).map((e) => e.ts));
  }
  return moves;
}

const pct = (num: number, den: number) => (den > 0 ? (100 * num) / den : null);
const perHour = (units: number, seconds: number) => (seconds > 0 ? units / (seconds / 3600) : null);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function referenceMetrics(input: RefInput) {
  const { start, end, now } = input;
  // Time is counted in [start, min(end, now)]; events by their timestamp in [start, end).
  const timeEnd = Math.max(start, Math.min(end, now));
  const windowSeconds = (timeEnd - start) / 1000;
  const intervals = timeline(input.events, input.maxStateSeconds * 1000);
  const moves = stationMoves(input.events);
  const inWindow = input.events.filter((e) => e.ts >= start && e.ts < end);

  const secondsOf = (ivs: Interval[], kind: Kind) =>
    ivs.filter((iv) => iv.kind === kind).reduce((s, iv) => s + overlap(iv, start, timeEnd), 0) / 1000;

  const workerIds = sortIds(input.workers ?? input.events.map((e) => e.worker_id));
  const stationIds = sortIds(input.workstations ?? input.events.map((e) => e.workstation_id));

  const worker = (id: string) => {
    const ivs = intervals.filter((iv) => iv.worker === id);
    const evs = inWindow.filter((e) => e.worker_id === id);
    const working = secondsOf(ivs, "working");
    const idle = secondsOf(ivs, "idle");
    const absent = secondsOf(ivs, "absent");
    const units = evs.reduce((s, e) => s + (e.count ?? 0), 0);
    const times = evs.map((e) => e.ts);
    return {
      worker_id: id,
      window_seconds: windowSeconds,
      working_seconds: working,
      idle_seconds: idle,
      absent_seconds: absent,
      unknown_seconds: secondsOf(ivs, "unknown"),
      utilization_pct: pct(working, working + idle + absent),
      observed_utilization_pct: pct(working, windowSeconds),
      units,
      station_changes: (moves.get(id) ?? []).filter((t) => t >= start && t < timeEnd).length,
      units_per_working_hour: perHour(units, working),
      units_per_window_hour: perHour(units, windowSeconds),
      first_seen: iso(times.length ? Math.min(...times) : null),
      last_seen: iso(times.length ? Math.max(...times) : null),
      events: evs.length,
      late_events: evs.filter((e) => e.is_late).length,
      avg_confidence: evs.length ? evs.reduce((s, e) => s + Math.fround(e.confidence), 0) / evs.length : null,
    };
  };

  const workstation = (id: string) => {
    const ivs = intervals.filter((iv) => iv.station === id);
    const evs = inWindow.filter((e) => e.workstation_id === id);
    const occupied = unionLength(ivs.filter((iv) => iv.kind === "working"), start, timeEnd) / 1000;
    const units = evs.reduce((s, e) => s + (e.count ?? 0), 0);
    return {
      workstation_id: id,
      window_seconds: windowSeconds,
      person_working_seconds: secondsOf(ivs, "working"),
      occupied_seconds: occupied,
      idle_seconds: secondsOf(ivs, "idle"),
      absent_seconds: secondsOf(ivs, "absent"),
      utilization_pct: pct(occupied, windowSeconds),
      staffed_utilization_pct: pct(secondsOf(ivs, "working"), secondsOf(ivs, "working") + secondsOf(ivs, "idle") + secondsOf(ivs, "absent")),
      units,
      units_per_hour: perHour(units, occupied),
      workers_seen: sortIds(evs.map((e) => e.worker_id)),
      events: evs.length,
    };
  };

  const workers = workerIds.map(worker);
  const workstations = stationIds.map(workstation);

  const hourly: {
    hour_start: string;
    working_seconds: number;
    idle_seconds: number;
    absent_seconds: number;
    utilization_pct: number | null;
    units: number;
    active_workers: number;
  }[] = [];
  if (start < end) {
    for (let h = Math.floor(start / HOUR) * HOUR; h < end; h += HOUR) {
      const lo = Math.max(h, start);
      const hi = Math.min(h + HOUR, end);
      const timeHi = Math.min(hi, timeEnd);
      const perWorker = (kind: string) =>
        workerIds.map((w) =>
          intervals.filter((iv) => iv.worker === w && iv.kind === kind).reduce((s, iv) => s + overlap(iv, lo, timeHi), 0),
        );
      const working = perWorker("working");
      const total = (ms: number[]) => ms.reduce((a, b) => a + b, 0) / 1000;
      const [w, i, a] = [total(working), total(perWorker("idle")), total(perWorker("absent"))];
      hourly.push({
        hour_start: iso(h)!,
        working_seconds: w,
        idle_seconds: i,
        absent_seconds: a,
        utilization_pct: pct(w, w + i + a),
        units: inWindow.filter((e) => e.ts >= lo && e.ts < hi).reduce((s, e) => s + (e.count ?? 0), 0),
        active_workers: working.filter((ms) => ms > 0).length,
      });
    }
  }

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Seconds are whole milliseconds: add them as integers, so the total is exact.
  const sumSeconds = (xs: number[]) => xs.reduce((a, b) => a + Math.round(b * 1000), 0) / 1000;
  const working = sumSeconds(workers.map((w) => w.working_seconds));
  const idle = sumSeconds(workers.map((w) => w.idle_seconds));
  const absent = sumSeconds(workers.map((w) => w.absent_seconds));
  const observed = workers.filter((w) => w.utilization_pct !== null).map((w) => w.utilization_pct!);
  const units = sum(workers.map((w) => w.units));
  const factory = {
    window_seconds: windowSeconds,
    working_seconds: working,
    idle_seconds: idle,
    absent_seconds: absent,
    unknown_seconds: sumSeconds(workers.map((w) => w.unknown_seconds)),
    utilization_pct: pct(working, working + idle + absent),
    avg_utilization_pct: observed.length ? sum(observed) / observed.length : null,
    units,
    units_per_hour: perHour(units, windowSeconds),
    events: sum(workers.map((w) => w.events)),
    late_events: sum(workers.map((w) => w.late_events)),
    station_changes: sum(workers.map((w) => w.station_changes)),
    active_workers: workers.filter((w) => w.working_seconds > 0).length,
    workstations_active: workstations.filter((s) => s.occupied_seconds > 0).length,
    hourly,
  };

  return { workers, workstations, factory };
}
