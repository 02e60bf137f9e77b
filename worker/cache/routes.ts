import { Hono, type Context } from "hono";
import { z } from "zod";
import { ALL_ENTITIES, lookupCache, type CacheKey, type EntityType } from "../../db/metrics-cache";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { workerIdParam, workstationIdParam } from "../http/path-params";
import { redactWorkersSeen } from "../http/redact-workers";
import { requireSiteAccess, requireWorkerDetail } from "../http/site-access";
import { validate } from "../http/validate";
import { operation, TAGS, type ErrorCode } from "../openapi/describe";
import {
  cachedFactorySchema,
  cachedWorkerSchema,
  cachedWorkersSchema,
  cachedWorkstationSchema,
  cachedWorkstationsSchema,
} from "../../contract/api";
import { windowQuerySchema } from "../../contract/metrics";
import { computeEntry } from "./compute-entry";
import { decideCacheRead } from "./policy";
import { refreshAfterRead, storeReadResult } from "./refresh";

const floorToSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

// Entries are keyed by their exact window, so windows a few milliseconds apart would each make an
// entry of their own: both bounds are taken down to the whole second, and the answer is for (and
// shows) that window. A window shorter than a second that would become empty is refused, as a
// reversed one is.
const cacheQuery = windowQuerySchema
  .extend({
    populate: z
      .enum(["true", "false"])
      .default("false")
      .meta({
        description: "true: on a miss, compute the window now (and cache it after answering) instead of 404 cache_miss.",
        examples: ["true"],
      })
      .transform((v) => v === "true"),
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
  const { entry, builtUntil, pendingRecompute } = await lookupCache(db, key);
  const decision = decideCacheRead(entry, { windowEnd: key.windowEnd, now, pendingRecompute, populate: q.populate });
  if (decision.action === "miss") {
    throw new ApiError(404, "cache_miss", "Nothing cached for this window yet; add populate=true to compute and cache it.");
  }
  if (decision.action !== "recompute_first") {
    const hit = decision.entry;
    if (decision.action === "serve_then_refresh") c.get("defer")("cache refresh", refreshAfterRead(db, site, key, now, builtUntil));
    return c.json({
      site_id: site.siteId,
      window: { start: q.start.toISOString(), end: q.end.toISOString() },
      cached: true,
      computed_at: hit.computedAt.toISOString(),
      stale: decision.stale,
      pending_recompute: hit.pendingRecompute,
      metrics: hit.metrics,
    });
  }
  const metrics = await computeEntry(db, site, key, now, builtUntil);
  if (metrics === null) throw new ApiError(404, `${entityType}_not_found`, `This site has no ${entityType} ${entityId}.`);
  // The caller has its numbers; storing them (tens of kB of jsonb) need not delay the answer.
  if (decision.store) c.get("defer")("cache write", storeReadResult(db, key, metrics, now));
  return c.json({
    site_id: site.siteId,
    window: { start: q.start.toISOString(), end: q.end.toISOString() },
    cached: false,
    computed_at: now.toISOString(),
    stale: decision.stale,
    pending_recompute: pendingRecompute,
    metrics,
  });
}

const cached = (summary: string, ok: z.ZodType, errors: ErrorCode[] = []) =>
  operation({ tag: TAGS.cached, summary, access: "site_read", ok, errors: ["validation_failed", "cache_miss", ...errors] });

const cachedQuery = validate("query", cacheQuery);

/** Cached metrics: what the dashboard reads. Same windows and access rules as /api/metrics. */
export const cacheRoutes = new Hono<AppEnv>()
  .use(requireSiteAccess)
  .get("/factory", cached("The factory's metrics, cached", cachedFactorySchema), cachedQuery, (c) =>
    respond(c, "factory", c.get("site").siteId, c.req.valid("query")),
  )
  .get("/workers", cached("Every worker's metrics, cached", cachedWorkersSchema, ["worker_detail_forbidden"]), requireWorkerDetail, cachedQuery, (c) =>
    respond(c, "worker", ALL_ENTITIES, c.req.valid("query")),
  )
  .get("/workstations", cached("Every workstation's metrics, cached", cachedWorkstationsSchema), redactWorkersSeen, cachedQuery, (c) =>
    respond(c, "workstation", ALL_ENTITIES, c.req.valid("query")),
  )
  .get("/worker/:id", cached("One worker's metrics, cached", cachedWorkerSchema, ["worker_not_found", "worker_detail_forbidden"]), requireWorkerDetail, workerIdParam, cachedQuery, (c) =>
    respond(c, "worker", c.req.param("id"), c.req.valid("query")),
  )
  .get(
    "/workstation/:id",
    cached("One workstation's metrics, cached", cachedWorkstationSchema, ["workstation_not_found"]),
    redactWorkersSeen,
    workstationIdParam,
    cachedQuery,
    (c) => respond(c, "workstation", c.req.param("id"), c.req.valid("query")),
  );
