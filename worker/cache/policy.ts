// The metrics cache's rules: when an entry is served as it is, refreshed behind the answer or
// recomputed before it, when it is final, how entries are stamped, which entries the cron pass
// keeps warm and how many a site keeps. Pure: no database, no clock unless one is passed in, so
// every rule is tested with an injected `now` (policy.test.ts). worker/cache/refresh.ts carries the
// decisions out; docs/cache-policy.md has the table.
import { CRON_INTERVAL_MS, isLiveAt, LIVE_RELOAD_MS } from "../../contract/cache-policy";
import { localDayBounds } from "../../contract/time-zone";
import { ALL_ENTITIES, type CacheKey } from "../../db/metrics-cache";

/**
 * A live entry (its window had not ended when it was computed) older than this is stale: the cron
 * pass refreshes today's entries this often, and any live window read now and then is refreshed
 * behind its reads long before, so an entry this old has missed its refreshes. A reader that may
 * populate gets it recomputed before the answer rather than greeted with old numbers.
 */
export const STALE_AFTER_MS = CRON_INTERVAL_MS;

/**
 * A live entry older than this is recomputed just after it is served (to a reader that may
 * populate). Half the dashboard's reload interval: every reload then finds the entry due and
 * refreshes it even when the timer fires a little early, so each reload shows numbers one reload
 * old, at the speed of a hit.
 */
export const REFRESH_AFTER_MS = LIVE_RELOAD_MS / 2;

/**
 * Entries not recomputed for this long are dropped by the cron pass (computed again from rollups on
 * their next read). They are made for any window a dashboard shows; without this the table, and
 * the recompute work late events cause, would only grow.
 */
export const KEEP_MS = 7 * 24 * 3_600_000;

/**
 * At most this many entries per site, the least recently computed dropped first. Each cached window
 * is recomputed when late events reach it, so the bound caps that work as well as the table.
 */
export const MAX_CACHE_ENTRIES_PER_SITE = 2000;

/**
 * One write in this many on a miss checks the site's bound (the cron pass checks every site's):
 * counting on each write would cost a statement each time, and a site never gets far over.
 */
export const BOUND_CHECK_EVERY = 100;

/** Cached windows recomputed per site and recompute run; the rest of those it reaches are dropped. */
export const EAGER_CACHE_RECOMPUTES = 50;

/** An entry of this code's format, as far as the rules care. */
export type EntryState = { computedAt: Date };

export type ReadContext = {
  /** The end of the window asked for (the key's). */
  windowEnd: Date;
  now: Date;
  /** A recompute is pending (or processing) for something inside the window. */
  pendingRecompute: boolean;
  /** The reader may compute and store (`populate=true`). */
  populate: boolean;
};

export type ReadDecision<E extends EntryState = EntryState> =
  /** Answer with the entry. */
  | { action: "serve"; entry: E; stale: boolean }
  /** Answer with the entry, then recompute and store it behind the answer. */
  | { action: "serve_then_refresh"; entry: E; stale: boolean }
  /** Compute now and answer with that; store it when `store` (not while a recompute is pending). */
  | { action: "recompute_first"; stale: boolean; store: boolean }
  /** Nothing to answer with: 404 cache_miss. */
  | { action: "miss" };

/**
 * What a cached read does with what the cache holds for its key (`entry`: of this code's format;
 * one of another format is no entry).
 *
 * - A closed entry (its window had ended when it was computed) is final: served as it is, only a
 *   recompute request (late data) rewrites it.
 * - A live entry up to REFRESH_AFTER_MS old is served; up to STALE_AFTER_MS it is served and,
 *   for a reader that may populate, refreshed behind the answer; older, it is stale: recomputed
 *   first for a reader that may populate, served flagged stale to one that may not.
 * - With a recompute pending the numbers, cached or computed now from rollups it has yet to
 *   rebuild, are stale, and nothing is refreshed or stored (that recompute rewrites the entry).
 * - No entry: computed for a reader that may populate, a miss otherwise.
 *
 * Limits are exclusive: an entry exactly REFRESH_AFTER_MS old is not yet due for a refresh, one
 * exactly STALE_AFTER_MS old not yet stale.
 */
export function decideCacheRead<E extends EntryState>(entry: E | undefined, ctx: ReadContext): ReadDecision<E> {
  const pending = ctx.pendingRecompute;
  if (!entry) return ctx.populate ? { action: "recompute_first", stale: pending, store: !pending } : { action: "miss" };
  if (!isLiveAt(ctx.windowEnd, entry.computedAt)) return { action: "serve", entry, stale: pending };
  const age = ctx.now.getTime() - entry.computedAt.getTime();
  if (age > STALE_AFTER_MS) {
    return ctx.populate ? { action: "recompute_first", stale: pending, store: !pending } : { action: "serve", entry, stale: true };
  }
  if (age > REFRESH_AFTER_MS && ctx.populate && !pending) return { action: "serve_then_refresh", entry, stale: false };
  return { action: "serve", entry, stale: pending };
}

/** Whether this write on a miss checks the site's bound; `random` is uniform in [0, 1). */
export const checksBound = (random: number) => random * BOUND_CHECK_EVERY < 1;

/**
 * The stamp of an entry recomputed after rollups were rebuilt (a recompute request, the cron
 * pass): no earlier than `writtenAt`, the moment it is written. A dashboard read that recomputed
 * the same entry from rollups this run was still rebuilding has a later `now` than the run;
 * stamped with the run's `now`, the correct entry would lose to that one. (A read's own entries are
 * stamped with its `now`: it computed what the data held then.)
 */
export function stampAfterRebuild(now: Date, windowEnd: Date, writtenAt: Date = new Date()): Date {
  const stamp = Math.max(now.getTime(), writtenAt.getTime());
  // A window still open at `now` must stay live (refreshed on read): stamped at or after its end it
  // would pass for closed, and final, with numbers that stop at `now`.
  return new Date(isLiveAt(windowEnd, now) ? Math.min(stamp, windowEnd.getTime() - 1) : stamp);
}

/**
 * The entries the cron pass recomputes each run: the factory and both lists for the site's current
 * local day, what the dashboard opens on, so its first read of the day is a hit.
 */
export function cronRefreshKeys(site: { siteId: string; timeZone: string }, now: Date): CacheKey[] {
  const day = localDayBounds(now, site.timeZone);
  const at = { siteId: site.siteId, windowStart: day.start, windowEnd: day.end };
  return [
    { ...at, entityType: "factory", entityId: site.siteId },
    { ...at, entityType: "worker", entityId: ALL_ENTITIES },
    { ...at, entityType: "workstation", entityId: ALL_ENTITIES },
  ];
}

/** Entries computed before this are dropped by a pass at `now`. */
export const keepFrom = (now: Date) => new Date(now.getTime() - KEEP_MS);
