// npm run seed -- [--size small|medium|heavy] [--events N --days D] [--seed S]
// Streams demo events into the demo site through the same ingest path the API uses.
import { parseArgs } from "node:util";
import { seedSizes, type SeedSize } from "../worker/seed/generate";
import { seedDemo } from "../worker/seed/seed-demo";
import { demoSiteKey, openProjectDatabase } from "./lib/local-db";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "medium" },
    events: { type: "string" },
    days: { type: "string" },
    seed: { type: "string" },
  },
});
const preset = seedSizes[values.size as SeedSize];
if (!preset) throw new Error(`--size must be one of ${Object.keys(seedSizes).join(", ")}`);
const events = values.events ? Number(values.events) : preset.events;
const days = values.days ? Number(values.days) : preset.days;

const stack = await openProjectDatabase();
const conn = await stack.connect();
try {
  let lastPrint = 0;
  const result = await seedDemo(conn.db, {
    events,
    days,
    end: new Date(),
    seed: values.seed ? Number(values.seed) : undefined,
    demoKey: demoSiteKey(stack),
    onProgress: (p) => {
      if (Date.now() - lastPrint < 1000) return;
      lastPrint = Date.now();
      console.log(`  ${p.received.toLocaleString()} / ~${events.toLocaleString()} events sent, ${p.inserted.toLocaleString()} stored`);
    },
  });
  const rate = Math.round(result.received / (result.duration_ms / 1000));
  console.log(
    `seeded site ${result.site_id}: ${result.inserted} stored, ${result.duplicates} duplicates, ${result.late} late, ` +
      `${result.recompute_requests} recompute requests in ${(result.duration_ms / 1000).toFixed(1)} s (${rate} events/s)`,
  );
  if (result.site_key) console.log(`demo site key (shown once): ${result.site_key}`);
} finally {
  await conn.close();
  await stack.stop();
}
