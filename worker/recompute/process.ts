import type { Database } from "../../db/client";
import { rebuildRollupHours } from "../../db/metrics";
import type { ClaimedRequest } from "../../db/recompute";
import { builtUntil } from "../../db/rollup-state";
import { getSite } from "../../db/sites";
import { refreshAfterRebuild } from "../cache/refresh";
import { MAX_HOURS_PER_STEP } from "./advance-rollups";

type Range = { start: Date; end: Date };

const HOUR_MS = 3_600_000;

/** Merges overlapping or touching ranges so each hour is rebuilt once per run. */
export function mergeRanges(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged.at(-1);
    if (last && r.start <= last.end) {
      if (r.end > last.end) last.end = r.end;
    } else {
      merged.push({ start: r.start, end: r.end });
    }
  }
  return merged;
}

/**
 * Applies claimed recompute requests of one site: rebuilds the rollup hours they cover (those
 * below the site's watermark; later hours are read from events anyway), whole site-hours at a time
 * since a workstation's hour depends on every worker there, then has the cached windows that
 * depend on them recomputed or dropped (refreshAfterRebuild). Rebuilding replaces rows, so running
 * a request twice (a retry after a crash) gives the same result as running it once.
 */
export async function processSiteRequests(db: Database, siteId: string, requests: ClaimedRequest[], now: Date) {
  const site = await getSite(db, siteId);
  if (!site) return { rebuiltHours: 0, cacheEntries: 0 };
  const watermark = await builtUntil(db, siteId);
  let rebuiltHours = 0;
  if (watermark) {
    const below = requests
      .map((r) => ({ start: r.windowStart, end: r.windowEnd < watermark ? r.windowEnd : watermark }))
      .filter((r) => r.start < r.end);
    for (const range of mergeRanges(below)) {
      // In steps: a backfill can reach back months, and each step is one statement.
      for (let from = range.start.getTime(); from < range.end.getTime(); from += MAX_HOURS_PER_STEP * HOUR_MS) {
        const to = Math.min(range.end.getTime(), from + MAX_HOURS_PER_STEP * HOUR_MS);
        const built = await rebuildRollupHours(db, site, new Date(from), new Date(to), now);
        rebuiltHours += built.hours;
      }
    }
  }
  const changed = requests.map((r) => ({ entityType: r.entityType, entityId: r.entityId, start: r.windowStart, end: r.windowEnd }));
  const cacheEntries = await refreshAfterRebuild(db, site, changed, now, watermark);
  return { rebuiltHours, cacheEntries };
}

export function groupBySite(requests: ClaimedRequest[]): Map<string, ClaimedRequest[]> {
  const bySite = new Map<string, ClaimedRequest[]>();
  for (const r of requests) bySite.set(r.siteId, [...(bySite.get(r.siteId) ?? []), r]);
  return bySite;
}
