import { driverError, type Database } from "../../db/client";
import { completeRequests, failRequests, type ClaimedRequest } from "../../db/recompute";
import { groupBySite, processSiteRequests } from "./process";

export const MAX_ATTEMPTS = 5;

export type ApplyOutcome = {
  done: number[];
  /** Back to pending for another try, with the attempts made so far. */
  retry: { id: number; attempts: number }[];
  failed: number[];
  rebuiltHours: number;
  cacheEntries: number;
  /** The same, per site. */
  bySite: Map<string, SiteOutcome>;
};

export type SiteOutcome = { done: number; retry: number; failed: number; rebuiltHours: number; cacheEntries: number };

/** Processes claimed requests site by site; a failing site does not hold back the others. */
export async function applyClaimed(db: Database, claimed: ClaimedRequest[], now: Date): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { done: [], retry: [], failed: [], rebuiltHours: 0, cacheEntries: 0, bySite: new Map() };
  for (const [siteId, requests] of groupBySite(claimed)) {
    const ids = requests.map((r) => r.id);
    const site: SiteOutcome = { done: 0, retry: 0, failed: 0, rebuiltHours: 0, cacheEntries: 0 };
    outcome.bySite.set(siteId, site);
    try {
      const { rebuiltHours, cacheEntries } = await processSiteRequests(db, siteId, requests, now);
      await completeRequests(db, ids);
      outcome.done.push(...ids);
      outcome.rebuiltHours += rebuiltHours;
      outcome.cacheEntries += cacheEntries;
      Object.assign(site, { done: ids.length, rebuiltHours, cacheEntries });
    } catch (err) {
      // The driver's own error: drizzle's wrapper quotes the whole statement and its parameters.
      const cause = driverError(err);
      const message = cause instanceof Error ? cause.message : String(cause);
      console.error(JSON.stringify({ level: "error", msg: "recompute failed", site_id: siteId, requests: ids, error: message }));
      for (const r of await failRequests(db, ids, message, MAX_ATTEMPTS)) {
        if (r.status === "pending") {
          outcome.retry.push({ id: r.id, attempts: r.attempts });
          site.retry++;
        } else if (r.status === "failed") {
          outcome.failed.push(r.id);
          site.failed++;
        } else {
          outcome.done.push(r.id);
          site.done++;
        }
      }
    }
  }
  return outcome;
}

/** Exponential backoff for queue retries: 20 s, 40 s, 80 s, ... capped at 10 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(600, 10 * 2 ** attempts);
