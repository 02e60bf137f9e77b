import { Hono } from "hono";
import { z } from "zod";
import { counts, pendingRecomputes, ping } from "../../db/ops";
import { applyMigrations } from "../../db/migrate";
import { migrations } from "../../db/migrations.generated";
import type { AppEnv } from "../env";
import { requireAdmin } from "../http/auth";
import { validate } from "../http/validate";
import type { RecomputeRow } from "../../db/ingest";
import { sendRecomputeRequests } from "../recompute/enqueue";
import { seedDemo } from "../seed/seed-demo";
import { seedSizes, type SeedSize } from "../seed/generate";

const seedQuery = z
  .object({
    size: z.enum(Object.keys(seedSizes) as [SeedSize, ...SeedSize[]]).optional(),
    events: z.coerce.number().int().min(1).max(2_000_000).optional(),
    days: z.coerce.number().int().min(1).max(93).optional(),
    seed: z.coerce.number().int().optional(),
  })
  .refine((q) => !(q.size && q.events), { message: "give size or events, not both", path: ["events"] });

const siteFilter = z.object({ site: z.string().min(1).optional() });

export const opsRoutes = new Hono<AppEnv>()
  .get("/health", async (c) => {
    const started = Date.now();
    const { db } = await c.get("db")();
    await ping(db);
    return c.json({ status: "ok", database: "ok", latency_ms: Date.now() - started });
  })
  .post("/setup-db", requireAdmin, async (c) => {
    const { db } = await c.get("db")();
    const applied = await applyMigrations(db, migrations);
    return c.json({ applied, latest: migrations.at(-1)?.tag ?? null });
  })
  .post("/seed", requireAdmin, validate("query", seedQuery), async (c) => {
    const q = c.req.valid("query");
    const preset = seedSizes[q.size ?? "small"];
    const events = q.events ?? preset.events;
    const days = q.days ?? (q.events ? Math.max(1, Math.min(30, Math.round(events / 15_000))) : preset.days);
    const { db } = await c.get("db")();
    const recompute: RecomputeRow[] = [];
    const result = await seedDemo(db, {
      events,
      days,
      end: new Date(),
      seed: q.seed,
      demoKey: c.env.DEMO_SITE_KEY,
      onRecompute: (rows) => recompute.push(...rows),
    });
    await sendRecomputeRequests(c, recompute);
    return c.json(result, 201);
  })
  // Row counts, and the rollup watermark and open recompute requests of the site (of each site,
  // as a list, without ?site=): whether late data is still being worked through.
  .get("/debug/counts", requireAdmin, validate("query", siteFilter), async (c) => {
    const { db } = await c.get("db")();
    return c.json(await counts(db, c.req.valid("query").site ?? null));
  })
  .get("/recompute/pending", requireAdmin, validate("query", siteFilter.extend({ limit: z.coerce.number().int().min(1).max(1000).default(100) })), async (c) => {
    const q = c.req.valid("query");
    const { db } = await c.get("db")();
    const { total, requests } = await pendingRecomputes(db, q.site ?? null, q.limit);
    return c.json({ count: requests.length, total, requests });
  });

