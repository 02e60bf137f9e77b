// The metrics cache's timing that the dashboard and the API share. No zod here: the dashboard's
// client bundle imports this module. What the API decides from these values (fresh, stale,
// refreshed, final) is in worker/cache/policy.ts; docs/cache-policy.md has the whole picture.

/**
 * The cron pass runs this often and refreshes each site's current local day each time, so a live
 * entry older than this has missed a refresh. wrangler.toml's `[triggers] crons` must run at this
 * interval (worker/cache/policy.test.ts checks it).
 */
export const CRON_INTERVAL_MS = 5 * 60_000;

/** A page showing a live window reloads its data this often. */
export const LIVE_RELOAD_MS = 30_000;

/**
 * A live window is compared with the previous one up to the same elapsed time, taken down to a
 * multiple of this. Each distinct window is an entry in the API's cache: a comparison needs no finer
 * grain, and a live page's reloads then keep to one previous window (one entry) for this long.
 */
export const COMPARE_STEP_MS = 5 * 60_000;

/**
 * Whether a window is live at an instant: it ends after it, so its numbers can still change. A page
 * asks this of now; the cache asks it of the moment an entry was computed (an entry of a window
 * that had ended by then is final).
 */
export const isLiveAt = (windowEnd: Date, at: Date): boolean => windowEnd.getTime() > at.getTime();
