import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { requireAdmin } from "../http/auth";
import { validate } from "../http/validate";
import { operation, TAGS } from "../openapi/describe";
import { recomputePassSchema, type RecomputePass } from "../../contract/ops";
import { runRecomputePass } from "./pass";

const recomputeNow = operation({
  tag: TAGS.ops,
  summary: "Runs the recompute pass now: rollups, pending recompute requests, today's cache",
  access: "admin",
  ok: recomputePassSchema,
  errors: ["validation_failed"],
});

export const recomputeRoutes = new Hono<AppEnv>().post(
  "/",
  recomputeNow,
  requireAdmin,
  validate("query", z.object({ site: z.string().min(1).optional().meta({ description: "Only this site (default: every site)." }) })),
  async (c) => {
    const { db } = await c.get("db")();
    // On demand nothing waits for the queue: every pending request is taken now.
    const summary: RecomputePass = await runRecomputePass(db, { now: new Date(), siteId: c.req.valid("query").site, pendingSeconds: 0 });
    return c.json(summary);
  },
);
