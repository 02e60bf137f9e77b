import type { Database } from "../../db/client";
import { ALL_ENTITIES, evictCache, writeCache, type CacheKey } from "../../db/metrics-cache";
import { claimStale } from "../../db/recompute";
import { builtUntil } from "../../db/rollup-state";
import { listSites } from "../../db/sites";
import { computeEntry } from "../cache/compute-entry";
import { localDayBounds } from "../lib/time-zone";
import { advanceRollups } from "./advance-rollups";
import { applyClaimed, type ApplyOutcome } from "./apply";
import { stampAfterRebuild } from "./process";

export type PassSummary = {
  sites: number;
  rollups: { site_id: string; from: string; to: string }[];
  requests: { done: number; retry: number; failed: number };
  cache_entries_refreshed: number;
  cache_entries_evicted: number;
};

/** Cache entries not recomputed for this long are dropped (recomputed on their next read). */
export const CACHE_KEEP_DAYS = 7;

/**
 * The periodic pass (Cron Trigger) and its on-demand twin (POST /api/metrics/recompute): roll up
 * the hours that closed, process recompute requests the queue did not deliver (or whose consumer
 * died), refresh the cached metrics of each site's current local day and drop old cache entries.
 */
export async function runRecomputePass(
  db: Database,
  opts: { now: Date; siteId?: string; pendingSeconds: number; processingSeconds?: number },
): Promise<PassSummary> {
  const sites = (await listSites(db)).filter((s) => !s.revoked && (!opts.siteId || s.siteId === opts.siteId));
  const summary: PassSummary = { sites: sites.length, rollups: [], requests: { done: 0, retry: 0, failed: 0 }, cache_entries_refreshed: 0, cache_entries_evicted: 0 };

  for (const site of sites) {
    const built = await advanceRollups(db, site, opts.now);
    if (built) summary.rollups.push({ site_id: site.siteId, from: built.from.toISOString(), to: built.to.toISOString() });
  }

  const claimed = await claimStale(db, {
    pendingSeconds: opts.pendingSeconds,
    processingSeconds: opts.processingSeconds ?? 600,
    limit: 1000,
    siteId: opts.siteId,
  });
  const outcome: ApplyOutcome = await applyClaimed(db, claimed, opts.now);
  summary.requests = { done: outcome.done.length, retry: outcome.retry.length, failed: outcome.failed.length };

  for (const site of sites) {
    const day = localDayBounds(opts.now, site.timeZone);
    const watermark = await builtUntil(db, site.siteId);
    const keys: CacheKey[] = [
      { entityType: "factory", entityId: site.siteId },
      { entityType: "worker", entityId: ALL_ENTITIES },
      { entityType: "workstation", entityId: ALL_ENTITIES },
    ].map((k) => ({ ...k, siteId: site.siteId, windowStart: day.start, windowEnd: day.end }) as CacheKey);
    for (const key of keys) {
      await writeCache(db, key, await computeEntry(db, site, key, opts.now, watermark), stampAfterRebuild(opts.now));
      summary.cache_entries_refreshed++;
    }
  }
  const keepFrom = new Date(opts.now.getTime() - CACHE_KEEP_DAYS * 86_400_000);
  summary.cache_entries_evicted = await evictCache(db, opts.siteId ?? null, keepFrom);
  return summary;
}
