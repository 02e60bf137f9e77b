import { Hono, type Context } from "hono";
import type { z } from "zod";
import { computeMetrics } from "../../db/metrics";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { workerIdParam, workstationIdParam } from "../http/path-params";
import { redactWorkersSeen } from "../http/redact-workers";
import { requireSiteAccess, requireWorkerDetail } from "../http/site-access";
import { validate } from "../http/validate";
import { operation, TAGS, type ErrorCode } from "../openapi/describe";
import {
  factoryResponseSchema,
  windowQuerySchema,
  workerResponseSchema,
  workersResponseSchema,
  workstationResponseSchema,
  workstationsResponseSchema,
  type MetricsResponse,
  type MetricsWindow,
} from "../../contract/metrics";

// Metrics computed fresh from events on every request (the cached, rollup-backed reads are under
// /api/metrics/cache). Middleware is attached per route, not with use(), so it cannot reach the
// sibling routers mounted under /metrics.
const windowQuery = validate("query", windowQuerySchema);

async function respond<T>(c: Context<AppEnv>, window: MetricsWindow, compute: (now: Date) => Promise<T>) {
  const now = new Date();
  const metrics = await compute(now);
  const body: MetricsResponse<T> = {
    site_id: c.get("site").siteId,
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    computed_at: now.toISOString(),
    metrics,
  };
  return c.json(body);
}

const found = <T>(what: string, id: string, value: T | null): T => {
  if (value === null) throw new ApiError(404, `${what}_not_found`, `This site has no ${what} ${id}.`);
  return value;
};

const fresh = (summary: string, ok: z.ZodType, errors: ErrorCode[] = []) =>
  operation({ tag: TAGS.metrics, summary, access: "site_read", ok, errors: ["validation_failed", ...errors] });
const workerMetrics = fresh("One worker's metrics", workerResponseSchema, ["worker_not_found", "worker_detail_forbidden"]);
const workstationMetrics = fresh("One workstation's metrics", workstationResponseSchema, ["workstation_not_found"]);
const factoryMetrics = fresh("The factory's metrics, with the hourly series", factoryResponseSchema);
const workersMetrics = fresh("Every worker's metrics", workersResponseSchema, ["worker_detail_forbidden"]);
const workstationsMetrics = fresh("Every workstation's metrics", workstationsResponseSchema);

export const metricsRoutes = new Hono<AppEnv>()
  .get("/worker/:id", workerMetrics, requireSiteAccess, requireWorkerDetail, workerIdParam, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    return respond(c, window, async (now) => found("worker", id, await computeMetrics(db, c.get("site"), { type: "worker", id }, window, now)));
  })
  .get("/workstation/:id", workstationMetrics, requireSiteAccess, redactWorkersSeen, workstationIdParam, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    return respond(c, window, async (now) =>
      found("workstation", id, await computeMetrics(db, c.get("site"), { type: "workstation", id }, window, now)),
    );
  })
  .get("/factory", factoryMetrics, requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "factory" }, window, now));
  })
  .get("/workers", workersMetrics, requireSiteAccess, requireWorkerDetail, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "worker" }, window, now));
  })
  .get("/workstations", workstationsMetrics, requireSiteAccess, redactWorkersSeen, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "workstation" }, window, now));
  });
