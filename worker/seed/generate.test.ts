import { describe, it, expect } from "vitest";
import { eventSchema, type EventInput } from "../../contract/events";
import { generateDemoBatches, seedSizes, type SeedOptions } from "./generate";

const DAY = 24 * 3600 * 1000;
const isState = (e: EventInput) => e.event_type !== "product_count";
const ms = (e: EventInput) => Date.parse(e.timestamp);

// Memoised so the medium stream (~100k events) is generated once per option set.
const cache = new Map<string, EventInput[]>();
function all(opts: SeedOptions): EventInput[] {
  const key = JSON.stringify(opts);
  if (!cache.has(key)) cache.set(key, [...generateDemoBatches(opts)].flat());
  return cache.get(key)!;
}

const small = (end: string, timeZone = "Europe/Berlin"): SeedOptions =>
  ({ ...seedSizes.small, end: new Date(end), timeZone });
const medium = (end: string, timeZone = "America/Chicago"): SeedOptions =>
  ({ ...seedSizes.medium, end: new Date(end), timeZone });

// A week in Chicago that crosses the end of DST (2026-11-01).
const CHICAGO_WEEK = medium("2026-11-05T12:00:00Z");

function localClock(timeZone: string) {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "numeric",
    minute: "numeric",
    weekday: "short",
  });
  // Intl is slow per call; zone offsets are whole minutes here, so one lookup per minute suffices.
  const cache = new Map<string, { date: string; weekday: string; minute: number }>();
  return (e: EventInput) => {
    const key = e.timestamp.slice(0, 16);
    let local = cache.get(key);
    if (!local) {
      const p = Object.fromEntries(fmt.formatToParts(new Date(e.timestamp)).map((x) => [x.type, x.value]));
      const minute = Number(p.hour) * 60 + Number(p.minute);
      local = { date: `${p.year}-${p.month}-${p.day}`, weekday: p.weekday, minute };
      cache.set(key, local);
    }
    return local;
  };
}

function byWorker(events: EventInput[]) {
  const map = new Map<string, EventInput[]>();
  for (const e of events) {
    if (!map.has(e.worker_id)) map.set(e.worker_id, []);
    map.get(e.worker_id)!.push(e);
  }
  return map;
}

describe("seedSizes", () => {
  it("describes the three demo sizes", () => {
    expect(seedSizes).toEqual({
      small: { days: 1, events: 10_000 },
      medium: { days: 7, events: 100_000 },
      heavy: { days: 30, events: 1_000_000 },
    });
  });
});

describe("generateDemoBatches", () => {
  it("is deterministic for the same options and changes with the seed", () => {
    const opts = small("2026-03-11T21:00:00Z");
    const a = [...generateDemoBatches(opts)];
    const b = [...generateDemoBatches({ ...opts, end: new Date(opts.end) })];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify([...generateDemoBatches({ ...opts, seed: 42 })])).toBe(JSON.stringify(a));
    expect(JSON.stringify([...generateDemoBatches({ ...opts, seed: undefined })])).toBe(JSON.stringify(a));
    expect(JSON.stringify([...generateDemoBatches({ ...opts, seed: 7 })])).not.toBe(JSON.stringify(a));
  });

  it.each([
    ["weekday", "2026-03-11T21:00:00Z", "Europe/Berlin"],
    ["window mostly on a Sunday", "2026-03-15T23:00:00Z", "Europe/Berlin"],
    ["window straddling midnight", "2026-11-24T03:00:00Z", "America/Chicago"],
    ["spring DST day", "2026-03-29T22:00:00Z", "Europe/Berlin"],
    ["far east zone", "2026-06-10T00:00:00Z", "Asia/Tokyo"],
  ])("small lands within ±10 percent of 10k events (%s)", (_, end, timeZone) => {
    const n = all(small(end, timeZone)).length;
    expect(n).toBeGreaterThanOrEqual(9_000);
    expect(n).toBeLessThanOrEqual(11_000);
  });

  it.each([
    ["Chicago, DST end", CHICAGO_WEEK],
    ["Berlin, DST start", medium("2026-04-02T10:00:00Z", "Europe/Berlin")],
  ])("medium lands within ±10 percent of 100k events (%s)", (_, opts) => {
    const n = all(opts).length;
    expect(n).toBeGreaterThanOrEqual(90_000);
    expect(n).toBeLessThanOrEqual(110_000);
  });

  it("yields batches of batchSize, only the last one shorter", () => {
    const batches = [...generateDemoBatches({ ...small("2026-03-11T21:00:00Z"), batchSize: 777 })];
    expect(batches.length).toBeGreaterThan(10);
    for (const b of batches.slice(0, -1)) expect(b).toHaveLength(777);
    expect(batches.at(-1)!.length).toBeGreaterThan(0);
    expect(batches.at(-1)!.length).toBeLessThanOrEqual(777);
    // Default batch size matches the bulk ingest limit.
    const defaults = [...generateDemoBatches(small("2026-03-11T21:00:00Z"))];
    for (const b of defaults.slice(0, -1)) expect(b).toHaveLength(5000);
    expect(defaults.flat()).toEqual(batches.flat());
  });

  it("emits only events the ingest schema accepts", () => {
    for (const opts of [small("2026-03-11T21:00:00Z"), CHICAGO_WEEK]) {
      const bad = all(opts).filter((e) => {
        const countOk = e.event_type === "product_count" ? e.count! >= 1 && e.count! <= 5 : e.count === undefined;
        const confidenceOk = e.confidence >= 0.75 && e.confidence <= 0.99;
        return !eventSchema.safeParse(e).success || e.event_id !== undefined || !countOk || !confidenceOk;
      });
      expect(bad.slice(0, 3)).toEqual([]);
    }
  });

  it("keeps every timestamp inside [end - days, end] as a UTC ISO string", () => {
    for (const opts of [small("2026-03-11T21:00:00Z"), CHICAGO_WEEK]) {
      const to = opts.end.getTime();
      const from = to - opts.days * DAY;
      const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
      const bad = all(opts).filter((e) => !iso.test(e.timestamp) || ms(e) < from || ms(e) > to);
      expect(bad.slice(0, 3)).toEqual([]);
    }
  });

  it("re-emits a few exact duplicates and holds a few events back, otherwise stays in order", () => {
    const events = all(CHICAGO_WEEK);
    const seen = new Set<string>();
    let duplicates = 0;
    let late = 0;
    let inversions = 0;
    const latest = new Map<string, number>();
    events.forEach((e, i) => {
      const key = JSON.stringify(e);
      if (seen.has(key)) duplicates++;
      seen.add(key);
      const t = ms(e);
      if (t < (latest.get(e.worker_id) ?? -Infinity)) late++;
      latest.set(e.worker_id, Math.max(t, latest.get(e.worker_id) ?? -Infinity));
      if (i > 0 && t < ms(events[i - 1])) inversions++;
    });
    expect(duplicates / events.length).toBeGreaterThan(0.002);
    expect(duplicates / events.length).toBeLessThan(0.01);
    // Late events show up after later events of the same worker.
    expect(late).toBeGreaterThan(0.0005 * events.length);
    expect(late).toBeLessThan(0.01 * events.length);
    expect(inversions).toBeLessThan(0.015 * events.length);
  });

  it("keeps each worker's state known during shifts (no state gap beyond 600 s inside a shift)", () => {
    for (const opts of [small("2026-03-11T21:00:00Z"), CHICAGO_WEEK]) {
      for (const events of byWorker(all(opts).filter(isState)).values()) {
        const times = events.map(ms).sort((a, b) => a - b);
        // Either within a shift or the silent stretch between two shifts.
        const bad = times.slice(1).map((t, i) => t - times[i]).filter((gap) => gap > 600_000 && gap < 6 * 3600 * 1000);
        expect(bad).toEqual([]);
      }
    }
  });

  it("follows local shift hours in America/Chicago across the DST change", () => {
    const clock = localClock("America/Chicago");
    const events = all(CHICAGO_WEEK);
    const first = new Map<string, number>();
    let dayShift = 0;
    let lateShift = 0;
    let outside = 0;
    for (const e of events) {
      const { date, minute } = clock(e);
      // Nothing at all outside 06:00–22:00 local: no state events, no counts.
      if (minute < 6 * 60 || minute >= 22 * 60) outside++;
      if (e.event_type === "working") minute < 14 * 60 ? dayShift++ : lateShift++;
      first.set(date, Math.min(first.get(date) ?? Infinity, minute));
    }
    expect(outside).toBe(0);
    expect(dayShift).toBeGreaterThan(0.3 * (dayShift + lateShift));
    expect(lateShift).toBeGreaterThan(0.3 * (dayShift + lateShift));
    // Every full local day (including 2026-11-01, the 25-hour day) starts right after 06:00.
    const days = [...first.keys()].sort().slice(1);
    expect(days).toContain("2026-11-01");
    for (const d of days) {
      expect(first.get(d)).toBeGreaterThanOrEqual(6 * 60);
      expect(first.get(d)).toBeLessThan(6 * 60 + 15);
    }
  });

  it("follows local shift hours in Europe/Berlin across the spring DST change", () => {
    const clock = localClock("Europe/Berlin");
    const first = new Map<string, number>();
    let outside = 0;
    for (const e of all(medium("2026-04-02T10:00:00Z", "Europe/Berlin"))) {
      const { date, minute } = clock(e);
      if (minute < 6 * 60 || minute >= 22 * 60) outside++;
      first.set(date, Math.min(first.get(date) ?? Infinity, minute));
    }
    expect(outside).toBe(0);
    const days = [...first.keys()].sort().slice(1);
    expect(days).toContain("2026-03-29");
    for (const d of days) expect(first.get(d)).toBeLessThan(6 * 60 + 15);
  });

  it("makes weekends lighter than weekdays", () => {
    const clock = localClock("America/Chicago");
    const perDay = new Map<string, { weekday: string; n: number }>();
    for (const e of all(CHICAGO_WEEK)) {
      const { date, weekday } = clock(e);
      perDay.set(date, { weekday, n: (perDay.get(date)?.n ?? 0) + 1 });
    }
    const weekdays = [...perDay.values()].filter((d) => !["Sat", "Sun"].includes(d.weekday));
    const avgWeekday = weekdays.reduce((s, d) => s + d.n, 0) / weekdays.length;
    const sat = [...perDay.values()].find((d) => d.weekday === "Sat")!;
    const sun = [...perDay.values()].find((d) => d.weekday === "Sun")!;
    expect(sat.n).toBeLessThan(0.7 * avgWeekday);
    expect(sun.n).toBeLessThan(sat.n);
    expect(sun.n).toBeGreaterThan(0);
  });

  it("is mostly working, with a lunch break showing up as absence", () => {
    const clock = localClock("America/Chicago");
    const states = all(CHICAGO_WEEK).filter(isState);
    const share = (type: string, from: number, to: number) => {
      const inWindow = states.filter((e) => {
        const m = clock(e).minute;
        return m >= from && m < to;
      });
      return inWindow.filter((e) => e.event_type === type).length / inWindow.length;
    };
    expect(share("working", 0, 24 * 60)).toBeGreaterThan(0.6);
    expect(share("idle", 0, 24 * 60)).toBeGreaterThan(0.03);
    expect(share("absent", 0, 24 * 60)).toBeGreaterThan(0.03);
    // Day shift lunch around 10:00–10:30, late shift around 18:00–18:30.
    expect(share("absent", 10 * 60 + 5, 10 * 60 + 25)).toBeGreaterThan(0.4);
    expect(share("absent", 18 * 60 + 5, 18 * 60 + 25)).toBeGreaterThan(0.4);
    expect(share("absent", 6 * 60 + 30, 7 * 60 + 30)).toBeLessThan(0.1);
  });

  it("counts products only while the worker is working", () => {
    for (const events of byWorker(all(CHICAGO_WEEK)).values()) {
      const sorted = [...events].sort((a, b) => ms(a) - ms(b));
      let state = "";
      let ok = 0;
      let products = 0;
      for (const e of sorted) {
        if (isState(e)) state = e.event_type;
        else {
          products++;
          if (state === "working") ok++;
        }
      }
      expect(products).toBeGreaterThan(0);
      expect(ok / products).toBeGreaterThan(0.99);
    }
  });

  it("keeps workers mostly at their own station, occasionally helping at another", () => {
    const events = all(CHICAGO_WEEK);
    const workers = byWorker(events);
    expect([...workers.keys()].sort()).toEqual(["W1", "W2", "W3", "W4", "W5", "W6"]);
    let away = 0;
    for (const [worker, evs] of workers) {
      const home = `S${worker.slice(1)}`;
      const elsewhere = evs.filter((e) => e.workstation_id !== home).length;
      expect(elsewhere / evs.length).toBeLessThan(0.12);
      away += elsewhere;
    }
    expect(away / events.length).toBeGreaterThan(0.005);
    expect(new Set(events.map((e) => e.workstation_id)).size).toBe(6);
  });

  it("rolls out the newer model version late in the window only", () => {
    const opts = CHICAGO_WEEK;
    const events = all(opts);
    const newer = events.filter((e) => e.model_version === "v1.5.0");
    expect(newer.length).toBeGreaterThan(0);
    expect(newer.length / events.length).toBeLessThan(0.2);
    expect(events.every((e) => e.model_version === "v1.4.2" || e.model_version === "v1.5.0")).toBe(true);
    const half = opts.end.getTime() - (opts.days * DAY) / 2;
    expect(newer.every((e) => ms(e) >= half)).toBe(true);
  });

  it("honours the worker and workstation counts", () => {
    const events = all({ ...small("2026-03-11T21:00:00Z"), workers: 9, workstations: 4 });
    expect(new Set(events.map((e) => e.worker_id)).size).toBe(9);
    expect([...new Set(events.map((e) => e.workstation_id))].sort()).toEqual(["S1", "S2", "S3", "S4"]);
  });

  it("streams heavy lazily and runs three shifts around the clock", () => {
    // The window opens on a Monday 23:00 local, in the middle of a night shift.
    const opts: SeedOptions = {
      ...seedSizes.heavy,
      end: new Date("2026-11-26T04:00:00Z"),
      timeZone: "America/Chicago",
    };
    const it = generateDemoBatches(opts);
    const clock = localClock(opts.timeZone);
    const from = opts.end.getTime() - opts.days * DAY;
    const head: EventInput[] = [];
    for (let i = 0; i < 4; i++) {
      const r = it.next();
      expect(r.done).toBe(false);
      expect(r.value).toHaveLength(5000);
      head.push(...(r.value as EventInput[]));
    }
    it.return(undefined);
    expect(head.filter((e) => !eventSchema.safeParse(e).success || ms(e) < from)).toEqual([]);
    // Roughly in order from the start of the window, including the night shift until 06:00.
    expect(ms(head.at(-1)!) - from).toBeLessThan(2 * DAY);
    const night = head.filter((e) => isState(e) && clock(e).minute < 6 * 60);
    expect(night.length).toBeGreaterThan(1000);
  });

  it("rejects invalid options before generating anything", () => {
    const ok = small("2026-03-11T21:00:00Z");
    expect(() => generateDemoBatches({ ...ok, days: 0 })).toThrow(RangeError);
    expect(() => generateDemoBatches({ ...ok, events: -1 })).toThrow(RangeError);
    expect(() => generateDemoBatches({ ...ok, batchSize: 0 })).toThrow(RangeError);
    expect(() => generateDemoBatches({ ...ok, workers: 1.5 })).toThrow(RangeError);
    expect(() => generateDemoBatches({ ...ok, end: new Date("nope") })).toThrow(RangeError);
    expect(() => generateDemoBatches({ ...ok, timeZone: "Mars/Olympus" })).toThrow(RangeError);
    expect([...generateDemoBatches({ ...ok, events: 0 })]).toEqual([]);
  });
});
