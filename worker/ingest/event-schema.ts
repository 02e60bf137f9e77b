import { z } from "zod";
import { eventTypes } from "../../db/schema";
import { ApiError, type ErrorDetail } from "../http/errors";

export const MAX_BULK_EVENTS = 5_000;

const ID_CHARS = /^[\p{L}\p{N}._:@\/#-]+$/u;

// One check per id rather than three: a bulk request validates 20,000 ids, and in the Workers
// runtime (no code generation) every check costs a call.
const id = (what: string) =>
  z
    .string()
    .trim()
    .check((ctx) => {
      const s = ctx.value;
      const message =
        s.length === 0
          ? `${what} must not be empty`
          : s.length > 128
            ? `${what} must be at most 128 characters`
            : ID_CHARS.test(s)
              ? undefined
              : `${what} may contain letters, digits and . _ : @ / # - only`;
      if (message) ctx.issues.push({ code: "custom", message, input: s });
    });

// Earliest and latest accepted event time: older is almost surely a wrong clock, and more than
// a day ahead of the server is one too.
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/** The smallest positive confidence stored: the smallest normal 4-byte float. */
export const MIN_CONFIDENCE = 1.1754943508222875e-38;
const MIN_CONFIDENCE_TEXT = "1.2e-38";

export const eventSchema = z
  .object({
    event_id: id("event_id").optional(),
    site_id: id("site_id").optional(),
    timestamp: z.iso
      .datetime({ offset: true, message: "timestamp must be ISO 8601 with a time zone offset, e.g. 2026-01-15T08:00:00Z" })
      .check((ctx) => {
        const t = Date.parse(ctx.value);
        const message = Number.isNaN(t)
          ? "timestamp is not a date that exists (e.g. February 30)"
          : t < MIN_TS
          ? "timestamp must not be before 2000-01-01"
          : t > Date.now() + MAX_FUTURE_MS
            ? "timestamp must not be more than a day in the future"
            : undefined;
        if (message) ctx.issues.push({ code: "custom", message, input: ctx.value });
      }),
    worker_id: id("worker_id"),
    workstation_id: id("workstation_id"),
    event_type: z.enum(eventTypes, { message: `event_type must be one of ${eventTypes.join(", ")}` }),
    confidence: z
      .number({ message: "confidence must be a number" })
      .min(0, "confidence must be between 0 and 1")
      .max(1, "confidence must be between 0 and 1")
      // Stored as a 4-byte float (events.confidence is `real`), which holds nothing between 0 and
      // its smallest normal value: refused here rather than failing the whole batch in Postgres.
      .refine((c) => c === 0 || c >= MIN_CONFIDENCE, `confidence must be 0 or at least ${MIN_CONFIDENCE_TEXT}`),
    count: z
      .number({ message: "count must be a number" })
      .int("count must be a whole number")
      .positive("count must be positive")
      .max(1_000_000, "count must be at most 1000000")
      .optional(),
    model_version: id("model_version").optional(),
  })
  .superRefine((e, ctx) => {
    if (e.event_type === "product_count" && e.count === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "count is required for product_count events" });
    }
    if (e.event_type !== "product_count" && e.count !== undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "count is only allowed on product_count events" });
    }
  });

export const bulkSchema = z
  .array(eventSchema)
  .min(1, "send at least one event")
  .max(MAX_BULK_EVENTS, `send at most ${MAX_BULK_EVENTS} events per request`);

/**
 * Fields an event carries beyond the schema's are kept verbatim in raw_json (jsonb), within these
 * bounds: unbounded, one event stored megabytes, and values nested some thousands deep exceed
 * Postgres' stack depth, which failed the whole batch with a 500. 16 levels and 16 KB leave room
 * for any real camera metadata (bounding boxes, track ids, a model's extra scores).
 */
export const EXTRA_FIELDS_MAX_DEPTH = 16;
export const EXTRA_FIELDS_MAX_BYTES = 16 * 1024;

const knownFields = new Set(Object.keys(eventSchema.shape));
const MAX_DETAILS = 100;

/**
 * Checks the extra fields of events that passed the schema (`raw` as parsed, one object per
 * event): too deep is a 400 naming each field, too large a 413 naming each event. Depth goes
 * first, as the size of a value nested too deep is not worth measuring (nor safe to serialize).
 */
export function checkExtraFields(raw: readonly Record<string, unknown>[], bulk: boolean): void {
  const at = (i: number, key?: string) => (bulk ? (key === undefined ? `${i}` : `${i}.${key}`) : (key ?? "(body)"));
  const tooDeep: ErrorDetail[] = [];
  const tooLarge: ErrorDetail[] = [];
  raw.forEach((event, i) => {
    const extra = extraKeys(event);
    if (extra === undefined) return;
    for (const key of extra) {
      if (nestsDeeperThan(event[key], EXTRA_FIELDS_MAX_DEPTH)) {
        tooDeep.push({ path: at(i, key), message: `nests arrays and objects more than ${EXTRA_FIELDS_MAX_DEPTH} levels deep` });
      }
    }
    if (tooDeep.length > 0) return;
    const bytes = extraFieldBytes(event, extra);
    if (bytes > EXTRA_FIELDS_MAX_BYTES) {
      tooLarge.push({ path: at(i), message: `its extra fields take ${bytes} bytes as JSON, over ${EXTRA_FIELDS_MAX_BYTES}` });
    }
  });
  if (tooDeep.length > 0) {
    throw new ApiError(400, "extra_fields_too_deep", `Extra fields may nest at most ${EXTRA_FIELDS_MAX_DEPTH} levels. Nothing was stored.`, tooDeep.slice(0, MAX_DETAILS));
  }
  if (tooLarge.length > 0) {
    throw new ApiError(413, "extra_fields_too_large", `An event's extra fields may take at most ${EXTRA_FIELDS_MAX_BYTES} bytes as JSON. Nothing was stored.`, tooLarge.slice(0, MAX_DETAILS));
  }
}

/** The keys the schema does not know, undefined when none (nearly always: no array allocated then). */
function extraKeys(event: Record<string, unknown>): string[] | undefined {
  let keys: string[] | undefined;
  // A parsed JSON object inherits no enumerable keys: for-in sees its own, without copying them.
  for (const key in event) if (!knownFields.has(key)) (keys ??= []).push(key);
  return keys;
}

/** Whether arrays and objects nest more than `levels` deep in `value`: stops there, so no deep recursion. */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (levels === 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeperThan(v, levels - 1)) return true;
  }
  return false;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the extra fields written as one JSON object, as raw_json would hold them alone. */
function extraFieldBytes(event: Record<string, unknown>, keys: string[]): number {
  // No prototype, so a `__proto__` key is copied as a field like any other.
  const extra: Record<string, unknown> = Object.create(null);
  for (const key of keys) extra[key] = event[key];
  return encoder.encode(JSON.stringify(extra)).byteLength;
}

export type EventInput = z.input<typeof eventSchema>;
export type Event = z.output<typeof eventSchema>;
export type EventType = (typeof eventTypes)[number];
