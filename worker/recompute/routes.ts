import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { requireAdmin } from "../http/auth";
import { validate } from "../http/validate";
import { runRecomputePass } from "./pass";

export const recomputeRoutes = new Hono<AppEnv>().post(
  "/",
  requireAdmin,
  validate("query", z.object({ site: z.string().min(1).optional() })),
  async (c) => {
    const { db } = await c.get("db")();
    // On demand nothing waits for the queue: every pending request is taken now.
    const summary = await runRecomputePass(db, { now: new Date(), siteId: c.req.valid("query").site, pendingSeconds: 0 });
    return c.json(summary);
  },
);
