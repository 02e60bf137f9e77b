import { Hono } from "hono";
import { z } from "zod";
import { counts, pendingRecomputes, ping } from "../../db/ops";
import { applyMigrations } from "../../db/migrate";
import { migrations } from "../../db/migrations.generated";
import type { AppEnv } from "../env";
import { requireAdmin } from "../http/auth";
import { validate } from "../http/validate";
import { operation, TAGS } from "../openapi/describe";
import type { RecomputeRow } from "../../db/ingest";
import { pendingSchema } from "../../contract/api";
import {
  countsSchema,
  healthSchema,
  migrationsSchema,
  seedResultSchema,
  type Counts,
  type Health,
  type Migrations,
  type SeedResult,
} from "../../contract/ops";
import { sendRecomputeRequests } from "../recompute/enqueue";
import { seedDemo } from "../seed/seed-demo";
import { seedSizes, type SeedSize } from "../seed/generate";

const seedQuery = z
  .object({
    size: z
      .enum(Object.keys(seedSizes) as [SeedSize, ...SeedSize[]])
      .optional()
      .meta({ description: "A preset: small (1 day, 10k events, the default), medium (7 days, 100k) or heavy (30 days, 1M)." }),
    events: z.coerce.number().int().min(1).max(2_000_000).optional().meta({ description: "How many events, instead of a size." }),
    days: z.coerce.number().int().min(1).max(93).optional().meta({ description: "Over how many days up to now." }),
    seed: z.coerce.number().int().optional().meta({ description: "Seed of the generator: the same seed gives the same events." }),
  })
  .refine((q) => !(q.size && q.events), { message: "give size or events, not both", path: ["events"] });

const siteFilter = z.object({ site: z.string().min(1).optional().meta({ description: "Only this site (default: every site)." }) });
const pendingQuery = siteFilter.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: "How many requests to list." }),
});

const health = operation({ tag: TAGS.ops, summary: "Checks the database", access: "public", ok: healthSchema });
const setupDb = operation({ tag: TAGS.ops, summary: "Applies pending migrations (the worker carries them)", access: "admin", ok: migrationsSchema });
const seed = operation({
  tag: TAGS.ops,
  summary: "Streams demo data into the demo site",
  access: "admin",
  ok: seedResultSchema,
  success: { 201: "Seeded" },
  errors: ["validation_failed"],
});
const debugCounts = operation({
  tag: TAGS.ops,
  summary: "Row counts and each site's recompute state",
  access: "admin",
  ok: countsSchema,
  errors: ["validation_failed"],
});
const pending = operation({
  tag: TAGS.ops,
  summary: "Recompute requests not yet done, oldest first",
  access: "admin",
  ok: pendingSchema,
  errors: ["validation_failed"],
});

export const opsRoutes = new Hono<AppEnv>()
  .get("/health", health, async (c) => {
    const started = Date.now();
    const { db } = await c.get("db")();
    await ping(db);
    const body: Health = { status: "ok", database: "ok", latency_ms: Date.now() - started };
    return c.json(body);
  })
  .post("/setup-db", setupDb, requireAdmin, async (c) => {
    const { db } = await c.get("db")();
    const applied = await applyMigrations(db, migrations);
    const body: Migrations = { applied, latest: migrations.at(-1)?.tag ?? null };
    return c.json(body);
  })
  .post("/seed", seed, requireAdmin, validate("query", seedQuery), async (c) => {
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
    return c.json(result satisfies SeedResult, 201);
  })
  // Row counts, and the rollup watermark and open recompute requests of the site (of each site,
  // as a list, without ?site=): whether late data is still being worked through.
  .get("/debug/counts", debugCounts, requireAdmin, validate("query", siteFilter), async (c) => {
    const { db } = await c.get("db")();
    const body: Counts = await counts(db, c.req.valid("query").site ?? null);
    return c.json(body);
  })
  .get("/recompute/pending", pending, requireAdmin, validate("query", pendingQuery), async (c) => {
    const q = c.req.valid("query");
    const { db } = await c.get("db")();
    const { total, requests } = await pendingRecomputes(db, q.site ?? null, q.limit);
    return c.json({ count: requests.length, total, requests });
  });

