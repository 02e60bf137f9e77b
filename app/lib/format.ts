// Numbers and times as a plant manager reads them; times always in the site's time zone.

export function formatPct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? "–" : `${v.toFixed(digits)} %`;
}

export function formatNumber(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return "–";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** 3h 05m, 12m 30s, 45s. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

export function formatTime(iso: string | Date | null | undefined, timeZone: string, opts: { date?: boolean; seconds?: boolean } = {}): string {
  if (!iso) return "–";
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hourCycle: "h23",
    ...(opts.date ? { weekday: "short", day: "numeric", month: "short" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    ...(opts.seconds ? { second: "2-digit" } : {}),
  }).format(typeof iso === "string" ? new Date(iso) : iso);
}

/** "Mon 3" for day ticks. */
export function formatDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric" }).format(ms);
}

export function formatDate(iso: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(
    typeof iso === "string" ? new Date(iso) : iso,
  );
}

/** "Mon 3 Mar 00:00 – Tue 4 Mar 00:00 (Europe/Berlin)" */
export function formatRange(start: string | Date, end: string | Date, timeZone: string): string {
  return `${formatTime(start, timeZone, { date: true })} – ${formatTime(end, timeZone, { date: true })} (${timeZone})`;
}

/** How long ago, coarse: "just now", "4 min ago", "2 h ago". */
export function formatAge(iso: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Utilization colour bands: below 65 % needs attention, 65–85 % is fine, above 85 % is strong. */
export type Band = "low" | "mid" | "high" | "none";
export function utilizationBand(pct: number | null | undefined): Band {
  if (pct === null || pct === undefined) return "none";
  if (pct < 65) return "low";
  if (pct <= 85) return "mid";
  return "high";
}
export const bandLabels: Record<Band, string> = { low: "below 65 %", mid: "65–85 %", high: "above 85 %", none: "no data" };
