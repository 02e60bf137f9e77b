import { Hono } from "hono";
import { modelDrift } from "../../db/drift";
import type { AppEnv } from "../env";
import { requireSiteAccess } from "../http/site-access";
import { validate } from "../http/validate";
import { operation, TAGS } from "../openapi/describe";
import { assessDrift } from "./assess";
import { driftQuerySchema, driftResponseSchema, MIN_BASELINE_EVENTS, type DriftResponse } from "../../contract/models";

const span = (w: { start: Date; end: Date }) => ({ start: w.start.toISOString(), end: w.end.toISOString() });

const drift = operation({
  tag: TAGS.models,
  summary: "Each model version's confidence in the window against a baseline window (KS test)",
  access: "site_read",
  ok: driftResponseSchema,
  errors: ["validation_failed"],
});

/** Model versions: how each one's confidence and event mix compare with a baseline window. */
export const modelRoutes = new Hono<AppEnv>().get("/drift", drift, requireSiteAccess, validate("query", driftQuerySchema), async (c) => {
  const q = c.req.valid("query");
  const site = c.get("site");
  const { db } = await c.get("db")();
  const rows = await modelDrift(db, site.siteId, q, q.baseline, MIN_BASELINE_EVENTS);
  const rule = { threshold: q.threshold, minEffect: q.min_effect };
  const body: DriftResponse = {
    site_id: site.siteId,
    window: span(q),
    baseline_window: span(q.baseline),
    computed_at: new Date().toISOString(),
    rule: { threshold: q.threshold, min_effect: q.min_effect, min_baseline_events: MIN_BASELINE_EVENTS },
    models: rows.map((r) => assessDrift(r, rule)),
  };
  return c.json(body);
});
