// The format key cached metrics are stored with, derived from the metrics schemas: a field added,
// removed or retyped gives another key, so every entry written before the change reads as a miss
// (and is recomputed on its next read) without anyone remembering to bump a number.
import { z } from "zod";
import { factoryMetricsSchema, METRIC_SEMANTICS_VERSION, workerMetricsSchema, workstationMetricsSchema } from "./metrics";

/** What a cache entry can hold: a factory, or one or all workers or workstations. */
export const CACHED_METRICS_SCHEMAS = {
  factory: factoryMetricsSchema,
  worker: workerMetricsSchema,
  workstation: workstationMetricsSchema,
};

/**
 * The key of the shape the given schemas describe. Descriptions and ids (zod metadata, as the API
 * docs add) are left out, and so is the order of fields: neither changes what an entry holds.
 */
export function cacheFormatOf(schemas: Record<string, z.ZodType>): number {
  const shape = z.toJSONSchema(z.object(schemas), {
    target: "draft-2020-12",
    io: "output",
    unrepresentable: "any",
    // An empty registry: the global one holds descriptions and ids.
    metadata: z.registry(),
  });
  return formatKey(`${canonicalJson(shape)}#${METRIC_SEMANTICS_VERSION}`);
}

/**
 * A format key of a description of stored data (its JSON Schema, its column list): an int4 of 30
 * bits of hash with the next bit set, so it never equals a small hand-bumped version.
 */
export function formatKey(description: string): number {
  return toFormatKey(fnv1a(description));
}

/** The format this code reads and writes. */
export const CACHE_FORMAT = cacheFormatOf(CACHED_METRICS_SCHEMAS);

/** JSON with object keys sorted (and `required` lists, which follow field order). */
function canonicalJson(value: unknown, key?: string): string {
  if (Array.isArray(value)) {
    const items = key === "required" ? [...(value as string[])].sort() : value;
    return `[${items.map((v) => canonicalJson(v)).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], k)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** 32-bit FNV-1a: synchronous (Web Crypto's digest is not) and the same in the worker and Node. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// metrics_cache.format is an int4 that held hand-bumped versions (1 to 3) before: 30 bits of the
// hash with the next bit set fit it without a migration, and never equal those old versions.
function toFormatKey(hash: number): number {
  return (hash >>> 2) | 0x4000_0000;
}
