import { connect } from "../db/client";
import { app } from "./app";
import type { Bindings } from "./env";
import { handleRecomputeBatch } from "./recompute/consumer";
import { runRecomputePass } from "./recompute/pass";

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<unknown>, env: Bindings) => handleRecomputeBatch(batch, env),
  async scheduled(controller, env, ctx) {
    const conn = await connect({ databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY });
    try {
      // Requests pending for two minutes were missed by the queue (send failed, message lost).
      const summary = await runRecomputePass(conn.db, { now: new Date(controller.scheduledTime), pendingSeconds: 120 });
      console.log(JSON.stringify({ level: "info", msg: "scheduled pass", cron: controller.cron, ...summary }));
    } finally {
      ctx.waitUntil(conn.close());
    }
  },
} satisfies ExportedHandler<Bindings>;
