import { z } from "zod";
import { eventTypes } from "../../db/schema";

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
      .max(1, "confidence must be between 0 and 1"),
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

export type EventInput = z.input<typeof eventSchema>;
export type Event = z.output<typeof eventSchema>;
export type EventType = (typeof eventTypes)[number];
