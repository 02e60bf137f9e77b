// The cache format key follows the metrics schemas (contract/cache-format.ts): what changes an
// entry's shape changes the key, what does not leaves it alone.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CACHE_FORMAT, CACHED_METRICS_SCHEMAS, cacheFormatOf } from "../../contract/cache-format";
import { workerMetricsSchema } from "../../contract/metrics";

const withWorker = (worker: z.ZodType) => cacheFormatOf({ ...CACHED_METRICS_SCHEMAS, worker });

describe("cache format key", () => {
  it("is this code's metrics schemas' key, an int4 that never equals the hand-bumped versions before it", () => {
    expect(CACHE_FORMAT).toBe(cacheFormatOf(CACHED_METRICS_SCHEMAS));
    expect(Number.isInteger(CACHE_FORMAT)).toBe(true);
    expect(CACHE_FORMAT).toBeGreaterThanOrEqual(2 ** 30);
    expect(CACHE_FORMAT).toBeLessThan(2 ** 31);
  });

  it("changes when a field is added, removed, retyped or made nullable", () => {
    const changed = [
      workerMetricsSchema.extend({ break_seconds: z.number() }),
      workerMetricsSchema.omit({ late_events: true }),
      workerMetricsSchema.extend({ units: z.string() }),
      workerMetricsSchema.extend({ worker_id: z.string().nullable() }),
    ].map(withWorker);
    for (const key of changed) expect(key).not.toBe(CACHE_FORMAT);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it("stays the same for descriptions, ids and the order of fields", () => {
    expect(withWorker(workerMetricsSchema.describe("one worker"))).toBe(CACHE_FORMAT);
    expect(withWorker(workerMetricsSchema.extend({ units: workerMetricsSchema.shape.units.meta({ description: "units made" }) }))).toBe(CACHE_FORMAT);
    const reversed = Object.fromEntries(Object.entries(workerMetricsSchema.shape).reverse());
    expect(withWorker(z.object(reversed))).toBe(CACHE_FORMAT);
  });
});
