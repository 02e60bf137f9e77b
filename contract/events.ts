// The event an integrator posts: one schema for the API's validation, the dashboard, the seed and
// the tests. Limits the browser also needs are in ./constants (no zod).
import { z } from "zod";
import { MAX_BULK_EVENTS, MIN_CONFIDENCE, MIN_CONFIDENCE_TEXT } from "./constants";
import { countEventTypes, eventKinds, eventTypes, type EventType } from "./event-types";

export { MAX_BULK_EVENTS, MIN_CONFIDENCE };
export type { EventType };

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
    const counts = eventKinds[e.event_type] === "count";
    if (counts && e.count === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: `count is required for ${e.event_type} events` });
    }
    if (!counts && e.count !== undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: `count is only allowed on ${countEventTypes.join(", ")} events` });
    }
  })
  .meta({ id: "Event" });

export const bulkSchema = z
  .array(eventSchema)
  .min(1, "send at least one event")
  .max(MAX_BULK_EVENTS, `send at most ${MAX_BULK_EVENTS} events per request`)
  .meta({ id: "EventBatch" });

export type EventInput = z.input<typeof eventSchema>;
export type Event = z.output<typeof eventSchema>;

/** What became of one event: stored now (false for a repeat), and whether it came late. */
export const eventResultSchema = z
  .object({ event_id: z.string(), inserted: z.boolean(), late: z.boolean() })
  .meta({ id: "EventResult" });

/** The answer to POST /api/events: 201 when stored, 200 for a repeat. */
export const eventAcceptedSchema = eventResultSchema.extend({ site_id: z.string() }).meta({ id: "EventAccepted" });

const tally = z.number().int().nonnegative();

/** The answer to POST /api/events/bulk: totals, and each event's result in the order sent. */
export const batchAcceptedSchema = z
  .object({
    site_id: z.string(),
    received: tally,
    inserted: tally,
    duplicates: tally,
    late: tally,
    recompute_requests: tally,
    results: z.array(eventResultSchema),
  })
  .meta({ id: "BatchAccepted" });

export type EventResult = z.infer<typeof eventResultSchema>;
export type BatchAccepted = z.infer<typeof batchAcceptedSchema>;
