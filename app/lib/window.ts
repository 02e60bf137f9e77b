// The time window a page shows, from its URL (so links are shareable), in the site's own time zone.
// Day and shift boundaries are local wall-clock times; DST days are 23 or 25 hours long.
import { DAY_MS, zone } from "../../worker/lib/time-zone";

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
/** The API refuses longer windows (worker/metrics/schemas.ts MAX_WINDOW_DAYS). */
export const MAX_CUSTOM_DAYS = 93;

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
};

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const parseIsoDay = (s: string | null) => {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / DAY_MS);
};

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
    live: endMs > nowMs,
    from: isoDay(z.localDay(startMs)),
    // The last local day the window touches.
    to: isoDay(z.localDay(endMs - 1)),
    ...(problem ? { problem } : {}),
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
      const minutes = Math.floor((nowMs - z.toUtc(today, 0)) / 60_000);
      // Before 06:00 the night shift that began yesterday at 22:00 is still on.
      const [day, startMin] =
        minutes < SHIFT_STARTS[0] ? [today - 1, SHIFT_STARTS[2]] : [today, [...SHIFT_STARTS].reverse().find((s) => minutes >= s)!];
      return make("shift", z.toUtc(day, startMin), z.toUtc(day, startMin + SHIFT_MINUTES));
    }
    case "custom": {
      const from = parseIsoDay(params.get("from"));
      const to = parseIsoDay(params.get("to")) ?? from;
      if (from === undefined || to === undefined) return make("today", ...days(today, today), "Pick a start date for the custom range.");
      if (to < from) return make("today", ...days(today, today), "The custom range ends before it starts.");
      if (to - from + 1 > MAX_CUSTOM_DAYS) return make("today", ...days(today, today), `A range may span at most ${MAX_CUSTOM_DAYS} days.`);
      return make("custom", ...days(from, to));
    }
  }
}

/** The window of equal length just before this one, for "change vs previous". */
export function previousWindow(w: { start: Date; end: Date }): { start: Date; end: Date } {
  const len = w.end.getTime() - w.start.getTime();
  return { start: new Date(w.start.getTime() - len), end: new Date(w.start.getTime()) };
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
