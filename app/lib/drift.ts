// The model drift page's choices and wording: which baseline the dashboard asks for, and how the
// API's answer reads on screen.
import type { DriftResponse, ModelDrift } from "../../contract/models";
import { formatNumber } from "./format";

/** The dashboard compares a window with the week before it. */
export const BASELINE_DAYS = 7;
const DAY_MS = 86_400_000;

/** [start - 7 × 24 h, start): fixed hours rather than local days, so DST never shifts it. */
export function baselineBefore(w: { start: Date }): { start: Date; end: Date } {
  return { start: new Date(w.start.getTime() - BASELINE_DAYS * DAY_MS), end: new Date(w.start.getTime()) };
}

/** p-values as people compare them with a threshold; tiny ones are not worth their digits. */
export function formatPValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return "–";
  if (p < 1e-4) return "< 0.0001";
  return p < 0.001 ? p.toFixed(4) : p.toFixed(3);
}

export function versionLabel(v: string | null): string {
  return v ?? "(no version)";
}

/** What a version was compared with, in words. */
export function baselineText(m: ModelDrift, rule: DriftResponse["rule"]): string {
  const n = formatNumber(m.baseline.events);
  switch (m.baseline_kind) {
    case "same_version":
      return `its own ${n} events in the baseline`;
    case "all_versions":
      return `all ${n} baseline events, every version (it has fewer than ${rule.min_baseline_events} of its own there)`;
    case "none":
      return "nothing: the baseline window has no events";
  }
}

export function ruleText(rule: DriftResponse["rule"]): string {
  return `flagged when p < ${rule.threshold} and D ≥ ${rule.min_effect}`;
}

/** Each bin's share of its sample, in per cent (0 for an empty sample). */
export function shares(histogram: number[]): number[] {
  const total = histogram.reduce((s, c) => s + c, 0);
  return histogram.map((c) => (total > 0 ? (100 * c) / total : 0));
}
