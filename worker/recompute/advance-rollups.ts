import type { Database } from "../../db/client";
import { rebuildRollupHours } from "../../db/metrics";
import { withSiteLockedForRollups } from "../../db/rollup-state";

const HOUR_MS = 3_600_000;
// An hour is rolled up a few minutes after it ends: uploads from sites lag a little, and an event
// that still lands in a built hour only costs a recompute.
const GRACE_MS = 5 * 60_000;
// Hours built per statement (and per hold of the site row, which ingest waits on): a long backlog
// is built in several steps, each committed, so a pass catches up without one huge statement.
export const MAX_HOURS_PER_STEP = 24 * 7;

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * Builds the next step of the site's closed hours after its watermark and moves the watermark;
 * null when there is nothing to build. A site's first build starts at the hour of its first event
 * (the hours before it are empty); a site with no events yet starts its watermark at the present.
 */
export async function advanceRollups(
  db: Database,
  site: { siteId: string; maxStateSeconds: number },
  now: Date,
): Promise<{ from: Date; to: Date; caughtUp: boolean } | null> {
  return withSiteLockedForRollups(db, site.siteId, async ({ builtUntil, firstEventAt }) => {
    const target = floorHour(now.getTime() - GRACE_MS);
    const from = builtUntil?.getTime() ?? (firstEventAt ? floorHour(firstEventAt.getTime()) : target);
    const to = Math.min(target, from + MAX_HOURS_PER_STEP * HOUR_MS);
    if (to <= from) {
      return { result: null, builtUntil: builtUntil ? undefined : new Date(Math.max(from, to)) };
    }
    await rebuildRollupHours(db, site, new Date(from), new Date(to), now);
    return { result: { from: new Date(from), to: new Date(to), caughtUp: to >= target }, builtUntil: new Date(to) };
  });
}

/**
 * Advances the site's rollups step by step until they reach the last closed hour or `budgetMs` has
 * passed (the rest is built by the next pass). Returns the span built, if any.
 */
export async function catchUpRollups(
  db: Database,
  site: { siteId: string; maxStateSeconds: number },
  now: Date,
  budgetMs: number,
): Promise<{ from: Date; to: Date; caughtUp: boolean } | null> {
  const started = Date.now();
  let from: Date | undefined;
  let to: Date | undefined;
  for (;;) {
    const step = await advanceRollups(db, site, now);
    if (!step) return from && to ? { from, to, caughtUp: true } : null;
    from ??= step.from;
    to = step.to;
    if (step.caughtUp || Date.now() - started >= budgetMs) return { from, to, caughtUp: step.caughtUp };
  }
}
