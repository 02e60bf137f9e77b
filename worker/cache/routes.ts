import { Hono, type Context } from "hono";
import { z } from "zod";
import {
  ALL_ENTITIES,
  evictBeyondLimit,
  lookupCache,
  MAX_CACHE_ENTRIES_PER_SITE,
  writeCache,
  type CacheKey,
  type EntityType,
} from "../../db/metrics-cache";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { requireSiteAccess } from "../http/site-access";
import { validate } from "../http/validate";
import { windowQuerySchema } from "../../contract/metrics";
import { computeEntry } from "./compute-entry";

// The cron refreshes today's entries this often; a live window's entry older than that is stale
// (and recomputed before answering a reader that may populate).
const REFRESH_SECONDS = 300;
// A live window's entry older than this is recomputed just after it is served (to a reader that
// may populate), so a dashboard reloading every 30 s sees numbers at most one reload old, at the
// speed of a hit.
const REVALIDATE_SECONDS = 15;
// A write on a miss adds an entry. Counting the site's entries on every such write would cost a
// statement each time, so one in this many writes checks the site's bound (and the cron pass checks
// every site's): a site never holds many more than MAX_CACHE_ENTRIES_PER_SITE entries.
const BOUND_CHECK_EVERY = 100;

const floorToSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

// Entries are keyed by their exact window, so windows a few milliseconds apart would each make an
// entry of their own: both bounds are taken down to the whole second, and the answer is for (and
// shows) that window. A window shorter than a second that would become empty is refused, as a
// reversed one is.
const cacheQuery = windowQuerySchema
  .extend({
    populate: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  })
  .superRefine((q, ctx) => {
    if (!(q.start instanceof Date) || !(q.end instanceof Date) || !(q.end > q.start)) return;
    if (floorToSecond(q.end) <= floorToSecond(q.start)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: "end must be in a later whole second than start (cached windows are whole seconds)" });
    }
  })
  .transform((q) => ({ ...q, start: floorToSecond(q.start), end: floorToSecond(q.end) }));

async function respond(c: Context<AppEnv>, entityType: EntityType, entityId: string, q: z.infer<typeof cacheQuery>) {
  const site = c.get("site");
  const key: CacheKey = { siteId: site.siteId, entityType, entityId, windowStart: q.start, windowEnd: q.end };
  const { db } = await c.get("db")();
  const now = new Date();
  const { entry: hit, builtUntil, pendingRecompute } = await lookupCache(db, key);
  const live = hit !== undefined && key.windowEnd > hit.computedAt;
  const age = hit ? now.getTime() - hit.computedAt.getTime() : 0;
  const outdated = live && age > REFRESH_SECONDS * 1000;
  // An outdated live entry (nobody read the window for a while) would greet the reader with old
  // numbers: a reader that may populate gets them computed now, as on a miss.
  if (hit && !(outdated && q.populate)) {
    const stale = hit.pendingRecompute || outdated;
    // (Not while a recompute is pending: the rollups are behind, and that recompute rewrites the entry.)
    if (live && age > REVALIDATE_SECONDS * 1000 && q.populate && !pendingRecompute) {
      const refresh = computeEntry(db, site, key, now, builtUntil).then((m) => (m === null ? undefined : writeCache(db, key, m, now)));
      c.get("defer")("cache refresh", refresh);
    }
    return c.json({
      site_id: site.siteId,
      window: { start: q.start.toISOString(), end: q.end.toISOString() },
      cached: true,
      computed_at: hit.computedAt.toISOString(),
      stale,
      pending_recompute: hit.pendingRecompute,
      metrics: hit.metrics,
    });
  }
  if (!q.populate) {
    throw new ApiError(404, "cache_miss", "Nothing cached for this window yet; add populate=true to compute and cache it.");
  }
  const metrics = await computeEntry(db, site, key, now, builtUntil);
  if (metrics === null) throw new ApiError(404, `${entityType}_not_found`, `This site has no ${entityType} ${entityId}.`);
  // The caller has its numbers; storing them (tens of kB of jsonb) need not delay the answer. Not
  // while a recompute is pending: these numbers come from rollups it has yet to rebuild, and it may
  // have looked for the entries to recompute before this one is written.
  if (!pendingRecompute) {
    const write = writeCache(db, key, metrics, now);
    c.get("defer")(
      "cache write",
      Math.random() * BOUND_CHECK_EVERY < 1 ? write.then(() => evictBeyondLimit(db, site.siteId, MAX_CACHE_ENTRIES_PER_SITE)) : write,
    );
  }
  return c.json({
    site_id: site.siteId,
    window: { start: q.start.toISOString(), end: q.end.toISOString() },
    cached: false,
    computed_at: now.toISOString(),
    // Computed now, but from rollups a pending recompute has yet to rebuild.
    stale: pendingRecompute,
    pending_recompute: pendingRecompute,
    metrics,
  });
}

/** Cached metrics: what the dashboard reads. Same windows and access rules as /api/metrics. */
export const cacheRoutes = new Hono<AppEnv>()
  .use(requireSiteAccess)
  .get("/factory", validate("query", cacheQuery), (c) => respond(c, "factory", c.get("site").siteId, c.req.valid("query")))
  .get("/workers", validate("query", cacheQuery), (c) => respond(c, "worker", ALL_ENTITIES, c.req.valid("query")))
  .get("/workstations", validate("query", cacheQuery), (c) => respond(c, "workstation", ALL_ENTITIES, c.req.valid("query")))
  .get("/worker/:id", validate("query", cacheQuery), (c) => respond(c, "worker", c.req.param("id"), c.req.valid("query")))
  .get("/workstation/:id", validate("query", cacheQuery), (c) => respond(c, "workstation", c.req.param("id"), c.req.valid("query")));
