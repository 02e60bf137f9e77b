import { Hono } from "hono";
import type { Database } from "../../db/client";
import { confidenceByModel, stateIntervals, timelineSubjectExists, unitsPerHour, type TimelineScope } from "../../db/timeline";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { workerIdParam, workstationIdParam } from "../http/path-params";
import { workerLabeller } from "../http/redact-workers";
import { requireSiteAccess, requireWorkerDetail } from "../http/site-access";
import { validate } from "../http/validate";
import { operation, TAGS } from "../openapi/describe";
import { windowQuerySchema } from "../../contract/metrics";
import {
  timelineResponseSchema,
  workerTimelineResponseSchema,
  type StateInterval,
  type TimelineResponse,
  type WorkerTimelineResponse,
} from "../../contract/timeline";

// The same 404 as the metrics of an unknown worker or workstation, rather than an empty timeline
// (an export of which would be a header row that looks like a quiet shift).
async function requireSubject(db: Database, siteId: string, scope: TimelineScope) {
  if (await timelineSubjectExists(db, siteId, scope)) return;
  const [what, id] = "workerId" in scope ? ["worker", scope.workerId] : ["workstation", scope.workstationId];
  throw new ApiError(404, `${what}_not_found`, `This site has no ${what} ${id}.`);
}

const windowQuery = validate("query", windowQuerySchema);

/** Worker ids replaced by labels (contract/timeline.ts). */
function redactWorkerIds(intervals: StateInterval[]): StateInterval[] {
  const label = workerLabeller();
  return intervals.map((i) => ({ ...i, worker_id: label(i.worker_id) }));
}

const workerTimeline = operation({
  tag: TAGS.timeline,
  summary: "A worker's state intervals, units per hour and confidence per model version",
  access: "site_read",
  ok: workerTimelineResponseSchema,
  errors: ["validation_failed", "worker_not_found", "worker_detail_forbidden"],
});

const workstationTimeline = operation({
  tag: TAGS.timeline,
  summary: "A workstation's state intervals (of every worker there) and units per hour",
  access: "site_read",
  ok: timelineResponseSchema,
  errors: ["validation_failed", "workstation_not_found"],
});

/** State intervals (and units per hour) behind a worker's or workstation's metrics. */
export const timelineRoutes = new Hono<AppEnv>()
  .use(requireSiteAccess)
  .get("/worker/:id", workerTimeline, requireWorkerDetail, workerIdParam, windowQuery, async (c) => {
    const site = c.get("site");
    const w = c.req.valid("query");
    const id = c.req.param("id");
    const { db } = await c.get("db")();
    const scope = { workerId: id };
    await requireSubject(db, site.siteId, scope);
    // One connection: the queries run one after another on it.
    const intervals = await stateIntervals(db, site, scope, w, new Date());
    const units = await unitsPerHour(db, site.siteId, scope, w);
    const confidence = await confidenceByModel(db, site.siteId, id, w);
    const body: WorkerTimelineResponse = {
      site_id: site.siteId,
      window: { start: w.start.toISOString(), end: w.end.toISOString() },
      intervals,
      units,
      confidence_by_model: confidence,
    };
    return c.json(body);
  })
  .get("/workstation/:id", workstationTimeline, workstationIdParam, windowQuery, async (c) => {
    const site = c.get("site");
    const w = c.req.valid("query");
    const { db } = await c.get("db")();
    const scope = { workstationId: c.req.param("id") };
    await requireSubject(db, site.siteId, scope);
    const intervals = await stateIntervals(db, site, scope, w, new Date());
    const units = await unitsPerHour(db, site.siteId, scope, w);
    const redact = !c.get("reader").workerDetail;
    const body: TimelineResponse = {
      site_id: site.siteId,
      window: { start: w.start.toISOString(), end: w.end.toISOString() },
      intervals: redact ? redactWorkerIds(intervals) : intervals,
      units,
      ...(redact ? { worker_ids_redacted: true } : {}),
    };
    return c.json(body);
  });
