import type { Database } from "../../db/client";
import { claimStale } from "../../db/recompute";
import { builtUntil } from "../../db/rollup-state";
import { listSites } from "../../db/sites";
import { evictExpired, refreshToday } from "../cache/refresh";
import { catchUpRollups } from "./advance-rollups";
import { applyClaimed, type ApplyOutcome } from "./apply";

/** What a pass did for one site. */
export type SitePassReport = {
  site_id: string;
  /** The hours rolled up by this pass, if any. */
  rollups: { from: string; to: string; hours: number } | null;
  /** The site's rollup watermark after the pass, and whether it reached the last closed hour. */
  built_until: string | null;
  caught_up: boolean;
  requests: { done: number; retry: number; failed: number };
  /** Rollup hours rebuilt and cached windows recomputed for recompute requests. */
  rebuilt_hours: number;
  cache_entries_recomputed: number;
  /** Today's entries (factory and both lists) computed afresh. */
  cache_entries_refreshed: number;
};

export type PassSummary = {
  sites: number;
  per_site: SitePassReport[];
  rollups: { site_id: string; from: string; to: string }[];
  requests: { done: number; retry: number; failed: number };
  cache_entries_refreshed: number;
  cache_entries_evicted: number;
};

// How long one pass may spend building a site's rollup backlog (the rest waits for the next
// pass); a year of hours for a small site fits in it.
const ROLLUP_BUDGET_MS = 60_000;

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
  const summary: PassSummary = {
    sites: sites.length,
    per_site: [],
    rollups: [],
    requests: { done: 0, retry: 0, failed: 0 },
    cache_entries_refreshed: 0,
    cache_entries_evicted: 0,
  };
  const reports = new Map<string, SitePassReport>();
  const report = (siteId: string) => {
    let r = reports.get(siteId);
    if (!r) {
      r = {
        site_id: siteId,
        rollups: null,
        built_until: null,
        caught_up: true,
        requests: { done: 0, retry: 0, failed: 0 },
        rebuilt_hours: 0,
        cache_entries_recomputed: 0,
        cache_entries_refreshed: 0,
      };
      reports.set(siteId, r);
    }
    return r;
  };
  for (const site of sites) {
    const built = await catchUpRollups(db, site, opts.now, ROLLUP_BUDGET_MS);
    const r = report(site.siteId);
    if (built) {
      summary.rollups.push({ site_id: site.siteId, from: built.from.toISOString(), to: built.to.toISOString() });
      r.rollups = { from: built.from.toISOString(), to: built.to.toISOString(), hours: (built.to.getTime() - built.from.getTime()) / 3_600_000 };
      r.caught_up = built.caughtUp;
    }
  }
  const claimed = await claimStale(db, {
    pendingSeconds: opts.pendingSeconds,
    processingSeconds: opts.processingSeconds ?? 600,
    limit: 1000,
    siteId: opts.siteId,
  });
  const outcome: ApplyOutcome = await applyClaimed(db, claimed, opts.now);
  summary.requests = { done: outcome.done.length, retry: outcome.retry.length, failed: outcome.failed.length };
  for (const [siteId, o] of outcome.bySite) {
    const r = report(siteId);
    r.requests = { done: o.done, retry: o.retry, failed: o.failed };
    r.rebuilt_hours = o.rebuiltHours;
    r.cache_entries_recomputed = o.cacheEntries;
  }
  for (const site of sites) {
    const watermark = await builtUntil(db, site.siteId);
    const r = report(site.siteId);
    r.built_until = watermark?.toISOString() ?? null;
    const refreshed = await refreshToday(db, site, opts.now, watermark);
    summary.cache_entries_refreshed += refreshed;
    r.cache_entries_refreshed += refreshed;
  }
  summary.per_site = [...reports.values()].sort((a, b) => (a.site_id < b.site_id ? -1 : a.site_id > b.site_id ? 1 : 0));
  summary.cache_entries_evicted = await evictExpired(db, opts.siteId ?? null, opts.now);
  return summary;
}
