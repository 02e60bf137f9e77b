import { z } from "zod";
import { eventTypes } from "../../db/schema";

export const MAX_BULK_EVENTS = 5_000;

const id = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(128, `${what} must be at most 128 characters`)
    .regex(/^[\p{L}\p{N}._:@\/#-]+$/u, `${what} may contain letters, digits and . _ : @ / # - only`);

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
      .refine((s) => Date.parse(s) >= MIN_TS, "timestamp must not be before 2000-01-01")
      .refine((s) => Date.parse(s) <= Date.now() + MAX_FUTURE_MS, "timestamp must not be more than a day in the future"),
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
