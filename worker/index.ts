import { connect } from "../db/client";
import { app } from "./app";
import { assertBindings, misconfiguration } from "./config/check";
import { misconfiguredResponse } from "./config/misconfigured-response";
import type { Bindings } from "./env";
import { handleRecomputeBatch } from "./recompute/consumer";
import { runRecomputePass } from "./recompute/pass";
import { purgeExpired } from "./auth/housekeeping";

// Each entry checks its bindings first, so a bad deploy fails at once naming the variable, not
// later with a driver error far from the cause.
export default {
  // A plain Request: tests and service bindings call it without Cloudflare's `cf` properties.
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    const problem = misconfiguration(env);
    return problem ? misconfiguredResponse(request, env, ctx, problem) : app.fetch(request, env, ctx);
  },
  queue(batch: MessageBatch<unknown>, env: Bindings) {
    assertBindings(env);
    return handleRecomputeBatch(batch, env);
  },
  async scheduled(controller, env, ctx) {
    assertBindings(env);
    const conn = await connect({ databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY });
    try {
      // Requests pending for two minutes were missed by the queue (send failed, message lost).
      const summary = await runRecomputePass(conn.db, { now: new Date(controller.scheduledTime), pendingSeconds: 120 });
      const housekeeping = await purgeExpired(conn.db, env);
      console.log(JSON.stringify({ level: "info", msg: "scheduled pass", cron: controller.cron, ...summary, ...housekeeping }));
    } finally {
      ctx.waitUntil(conn.close());
    }
  },
} satisfies ExportedHandler<Bindings>;
