// The time window a page shows, from its URL (so links are shareable), in the site's own time zone.
// Day and shift boundaries are local wall-clock times; DST days are 23 or 25 hours long.
import { COMPARE_STEP_MS, isLiveAt } from "../../contract/cache-policy";
import { MAX_WINDOW_DAYS } from "../../contract/constants";
import { DAY_MS, zone } from "../../contract/time-zone";

export const presets = ["today", "yesterday", "shift", "7d", "custom"] as const;
export type Preset = (typeof presets)[number];

export const presetLabels: Record<Preset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  shift: "Current shift",
  "7d": "Last 7 days",
  custom: "Custom range",
};

/** Shift starts in local minutes after midnight: 06–14, 14–22, 22–06. */
export const SHIFT_STARTS = [6 * 60, 14 * 60, 22 * 60] as const;
const SHIFT_MINUTES = 8 * 60;
/** The API refuses windows longer than this many 24-hour days. */
export const MAX_CUSTOM_DAYS = MAX_WINDOW_DAYS;
const MAX_CUSTOM_MS = MAX_CUSTOM_DAYS * DAY_MS;

export type DashboardWindow = {
  preset: Preset;
  start: Date;
  end: Date;
  /** The window reaches past now: its numbers still change. */
  live: boolean;
  /** Custom range as local dates (inclusive), for the form. */
  from: string;
  to: string;
  /** Why a requested custom range was replaced by today, if it was. */
  problem?: string;
  /** The instant the window was resolved at: a live window's data reaches up to here. */
  asOf: Date;
  /** The local date at `asOf`, so the picker needs no clock of its own (server and client agree). */
  today: string;
};

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const parseIsoDay = (s: string | null) => {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms)) return undefined;
  const day = Math.floor(ms / DAY_MS);
  // Date.parse rolls 2026-02-31 over to 3 March; a date that does not exist is a mistake, not a wish.
  return isoDay(day) === s ? day : undefined;
};

/** Local wall-clock minutes after midnight: on DST days this differs from real time since midnight. */
function localMinutes(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "numeric", minute: "numeric" }).formatToParts(ms);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return part("hour") * 60 + part("minute");
}

export function resolveWindow(params: URLSearchParams, timeZone: string, now: Date): DashboardWindow {
  const z = zone(timeZone);
  const nowMs = now.getTime();
  const today = z.localDay(nowMs);
  const requested = params.get("window");
  const preset: Preset = (presets as readonly string[]).includes(requested ?? "") ? (requested as Preset) : "today";

  const make = (p: Preset, startMs: number, endMs: number, problem?: string): DashboardWindow => ({
    preset: p,
    start: new Date(startMs),
    end: new Date(endMs),
    live: isLiveAt(new Date(endMs), now),
    from: isoDay(z.localDay(startMs)),
    // The last local day the window touches.
    to: isoDay(z.localDay(endMs - 1)),
    ...(problem ? { problem } : {}),
    asOf: new Date(nowMs),
    today: isoDay(today),
  });
  const days = (first: number, last: number) => [z.toUtc(first, 0), z.toUtc(last + 1, 0)] as const;

  switch (preset) {
    case "today":
      return make("today", ...days(today, today));
    case "yesterday":
      return make("yesterday", ...days(today - 1, today - 1));
    case "7d":
      return make("7d", ...days(today - 6, today));
    case "shift": {
      // Shifts change by the wall clock, so an hour gained or lost overnight must not move them.
      const minutes = localMinutes(nowMs, timeZone);
      // Before 06:00 the night shift that began yesterday at 22:00 is still on.
      const [day, startMin] =
        minutes < SHIFT_STARTS[0] ? [today - 1, SHIFT_STARTS[2]] : [today, [...SHIFT_STARTS].reverse().find((s) => minutes >= s)!];
      return make("shift", z.toUtc(day, startMin), z.toUtc(day, startMin + SHIFT_MINUTES));
    }
    case "custom": {
      const from = parseIsoDay(params.get("from"));
      // A missing end means a single day; an end given but invalid must not quietly become one.
      const to = params.get("to") ? parseIsoDay(params.get("to")) : from;
      if (from === undefined) return make("today", ...days(today, today), "Pick a valid start date for the custom range.");
      if (to === undefined) return make("today", ...days(today, today), "Pick a valid end date for the custom range.");
      if (to < from) return make("today", ...days(today, today), "The custom range ends before it starts.");
      const [startMs, endMs] = days(from, to);
      // Judged in real time as the API does: 93 local days holding the autumn hour are 93 × 24 + 1 h.
      if (endMs - startMs > MAX_CUSTOM_MS) return make("today", ...days(today, today), `A range may span at most ${MAX_CUSTOM_DAYS} days.`);
      return make("custom", startMs, endMs);
    }
  }
}

/**
 * The window of equal length just before this one, for "change vs previous". A live window (one
 * that ends after `asOf`) only has data up to `asOf`, so it is compared with the same elapsed time
 * from the previous window's start: today so far against yesterday up to the same hour.
 */
export function previousWindow(w: { start: Date; end: Date; asOf?: Date }): { start: Date; end: Date } {
  const startMs = w.start.getTime();
  const len = w.end.getTime() - startMs;
  const prevStart = startMs - len;
  return { start: new Date(prevStart), end: new Date(prevStart + elapsed(w, len)) };
}

/** How much of the window has happened by `asOf` (in whole COMPARE_STEP_MS steps); all of it without one. */
function elapsed(w: { start: Date; end: Date; asOf?: Date }, len: number): number {
  if (!w.asOf || w.asOf.getTime() >= w.end.getTime()) return len;
  const ms = Math.max(0, w.asOf.getTime() - w.start.getTime());
  return ms - (ms % COMPARE_STEP_MS);
}

/** The query string that reproduces a window choice (what links and the picker write). */
export function windowSearch(w: Pick<DashboardWindow, "preset" | "from" | "to">): string {
  const p = new URLSearchParams({ window: w.preset });
  if (w.preset === "custom") {
    p.set("from", w.from);
    p.set("to", w.to);
  }
  return p.toString();
}
