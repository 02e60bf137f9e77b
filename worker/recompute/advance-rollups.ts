import type { Database } from "../../db/client";
import { rebuildRollupHours } from "../../db/metrics";
import { withSiteLockedForRollups } from "../../db/rollup-state";

const HOUR_MS = 3_600_000;
// An hour is rolled up a few minutes after it ends: uploads from sites lag a little, and an event
// that still lands in a built hour only costs a recompute.
const GRACE_MS = 5 * 60_000;
// Bounds one cron run's work (and how long it holds the site row) when a site has a long backlog.
export const MAX_HOURS_PER_RUN = 24 * 7;

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Builds the rollups of the site's closed hours after its watermark and moves the watermark. */
export async function advanceRollups(
  db: Database,
  site: { siteId: string; maxStateSeconds: number },
  now: Date,
): Promise<{ from: Date; to: Date } | null> {
  return withSiteLockedForRollups(db, site.siteId, async ({ builtUntil, firstEventAt }) => {
    const target = floorHour(now.getTime() - GRACE_MS);
    const from = builtUntil?.getTime() ?? (firstEventAt ? floorHour(firstEventAt.getTime()) : target);
    const to = Math.min(target, from + MAX_HOURS_PER_RUN * HOUR_MS);
    if (to <= from) {
      // A site with no events yet starts its watermark at the present: nothing before it to build.
      return { result: null, builtUntil: builtUntil ? undefined : new Date(Math.max(from, to)) };
    }
    await rebuildRollupHours(db, site, new Date(from), new Date(to), now);
    return { result: { from: new Date(from), to: new Date(to) }, builtUntil: new Date(to) };
  });
}
