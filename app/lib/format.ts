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

/** A change in percentage points with its sign: "+5.0", "−3.2" (a real minus, as the KPI tiles), "0.0". */
export function formatChangePts(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  const shown = Number(v.toFixed(1));
  // Signed by what is shown: -0.04 is no change, not "−0.0".
  return `${shown > 0 ? "+" : shown < 0 ? "−" : ""}${Math.abs(shown).toFixed(1)}`;
}

/**
 * ISO 8601 in the site's wall-clock time with its offset, "2026-03-02T09:00:00+01:00": what CSV
 * exports write, so a spreadsheet shows plant time and the instant stays exact.
 */
export function formatIsoLocal(iso: string | null | undefined, timeZone: string): string | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  const p: Record<string, string> = {};
  for (const { type, value } of isoParts(timeZone).formatToParts(ms)) p[type] = value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const abs = Math.abs(offsetMin);
  const offset = `${offsetMin < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  const frac = ms % 1000 === 0 ? "" : `.${String(((ms % 1000) + 1000) % 1000).padStart(3, "0")}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${frac}${offset}`;
}

const isoFormats = new Map<string, Intl.DateTimeFormat>();
function isoParts(timeZone: string): Intl.DateTimeFormat {
  let f = isoFormats.get(timeZone);
  if (!f) {
    // en-CA with every field 2-digit gives zero-padded numbers; h23 keeps midnight as 00.
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    isoFormats.set(timeZone, f);
  }
  return f;
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

/**
 * Utilization colour bands: below 65 % needs attention, 65–85 % is fine, above 85 % is strong.
 * Judged on the value as formatPct shows it (same digits), so "65.0 %" is never coloured below 65.
 */
export type Band = "low" | "mid" | "high" | "none";
export function utilizationBand(pct: number | null | undefined, digits = 1): Band {
  if (pct === null || pct === undefined) return "none";
  const shown = Number(pct.toFixed(digits));
  if (shown < 65) return "low";
  if (shown <= 85) return "mid";
  return "high";
}
export const bandLabels: Record<Band, string> = { low: "below 65 %", mid: "65–85 %", high: "above 85 %", none: "no data" };
