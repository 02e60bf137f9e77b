import { Hono, type Context } from "hono";
import { computeMetrics } from "../../db/metrics";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { requireSiteAccess } from "../http/site-access";
import { validate } from "../http/validate";
import { windowQuerySchema, type MetricsResponse, type MetricsWindow } from "../../contract/metrics";

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

export const metricsRoutes = new Hono<AppEnv>()
  .get("/worker/:id", requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    return respond(c, window, async (now) => found("worker", id, await computeMetrics(db, c.get("site"), { type: "worker", id }, window, now)));
  })
  .get("/workstation/:id", requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    return respond(c, window, async (now) =>
      found("workstation", id, await computeMetrics(db, c.get("site"), { type: "workstation", id }, window, now)),
    );
  })
  .get("/factory", requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "factory" }, window, now));
  })
  .get("/workers", requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "worker" }, window, now));
  })
  .get("/workstations", requireSiteAccess, windowQuery, async (c) => {
    const window = c.req.valid("query");
    const { db } = await c.get("db")();
    return respond(c, window, (now) => computeMetrics(db, c.get("site"), { type: "workstation" }, window, now));
  });
