import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { siteForKey } from "../../db/sites";
import type { AppEnv } from "../env";
import { requireSiteKey } from "../http/auth";
import { ApiError, methodNotAllowed } from "../http/errors";
import { throttleBadIngestKeys } from "../http/bad-key-throttle";
import { limitIngestPerSite } from "../http/rate-limit";
import { mayHoldUnstorable, unstorableError, unstorablePath } from "../http/storable-text";
import { parseJsonOnce, requireJson, validate } from "../http/validate";
import { operation, TAGS, type ErrorCode } from "../openapi/describe";
import { sendRecomputeRequests } from "../recompute/enqueue";
import { batchAcceptedSchema, bulkSchema, eventAcceptedSchema, eventSchema, MAX_BULK_EVENTS, type Event } from "../../contract/events";
import { checkExtraFields } from "./extra-fields";
import { ingestEvents, invalidKey } from "./ingest-events";

// 5,000 events with generous ids stay well under this; larger bodies are refused unread.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
  },
});

/**
 * A request with an unknown key is answered 401 whatever else is wrong with it, so a caller without
 * a valid key learns nothing about the API from its validation. The key is checked here only when
 * the request is being refused anyway: accepted batches still make one round trip.
 */
const unknownKeyFirst = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const status = c.error instanceof ApiError || c.error instanceof HTTPException ? c.error.status : 0;
  if (status < 400 || status >= 500 || status === 401 || status === 429) return;
  let known = true;
  try {
    const { db } = await c.get("db")();
    known = (await siteForKey(db, c.get("siteKeyHash"))) !== undefined;
  } catch {
    // The database is unreachable: the request's own rejection still stands.
  }
  if (!known) throw invalidKey();
});

// Checked before validation so a huge array is refused without validating every element.
const limitEvents = createMiddleware<AppEnv>(async (c, next) => {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (Array.isArray(body) && body.length > MAX_BULK_EVENTS) {
    throw new ApiError(
      413,
      "too_many_events",
      `A bulk request takes at most ${MAX_BULK_EVENTS} events; this one has ${body.length}. Split it into several requests.`,
    );
  }
  await next();
});

async function store(c: Context<AppEnv>, events: Event[]) {
  const raw = await c.req.json<unknown>();
  // Stored as raw_json, fields the schema does not know included: those are checked here, their
  // depth first (serializing a value nested thousands deep would overflow the stack).
  const rawEvents = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
  checkExtraFields(rawEvents, Array.isArray(raw));
  const rawJson = JSON.stringify(rawEvents);
  if (mayHoldUnstorable(rawJson)) {
    const bad = unstorablePath(raw);
    if (bad !== undefined) throw unstorableError(bad);
  }
  const { db } = await c.get("db")();
  const { recompute, ...summary } = await ingestEvents(db, c.get("siteKeyHash"), events, rawJson);
  c.set("siteId", summary.site_id);
  await sendRecomputeRequests(c, recompute);
  return summary;
}

// What ingest refuses besides a missing or bad key (the README's table), for the API description.
const INGEST_ERRORS: ErrorCode[] = [
  "method_not_allowed",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "invalid_json",
  "validation_failed",
  "invalid_characters",
  "extra_fields_too_deep",
  "extra_fields_too_large",
  "site_mismatch",
  "before_site_history",
];

const postOne = operation({
  tag: TAGS.ingest,
  summary: "Stores one event",
  access: "site_key",
  ok: eventAcceptedSchema,
  success: { 201: "Stored", 200: "A repeat of a stored event: not stored again (`inserted: false`)" },
  errors: INGEST_ERRORS,
});
const postBulk = operation({
  tag: TAGS.ingest,
  summary: "Stores up to 5,000 events in one statement: all of them or none",
  access: "site_key",
  ok: batchAcceptedSchema,
  errors: ["too_many_events", "mixed_sites", ...INGEST_ERRORS],
});

export const ingestRoutes = new Hono<AppEnv>()
  // Registered first, so a wrong method is answered before the key or the body is looked at (HEAD
  // is routed as GET).
  .on(["GET", "PUT", "DELETE", "PATCH", "OPTIONS"], ["/", "/bulk"], methodNotAllowed("POST"))
  .use(requireSiteKey, throttleBadIngestKeys, unknownKeyFirst, limitBody, requireJson, limitIngestPerSite, parseJsonOnce)
  .post("/", postOne, validate("json", eventSchema), async (c) => {
    const summary = await store(c, [c.req.valid("json")]);
    const [result] = summary.results;
    return c.json({ site_id: summary.site_id, ...result }, result.inserted ? 201 : 200);
  })
  .post("/bulk", postBulk, limitEvents, validate("json", bulkSchema), async (c) => {
    return c.json(await store(c, c.req.valid("json")), 200);
  });
