import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

// The binding answers only yes or no, not when its window ends; this must match `simple.period`
// of INGEST_RATE_LIMIT in wrangler.toml, so a client waiting Retry-After lands in a fresh window
// (worker/config/wrangler-toml.test.ts checks it).
export const INGEST_RATE_PERIOD_SECONDS = 10;

/**
 * Per-site ingest rate limit through Cloudflare's rate limiting binding, checked before anything is
 * stored. Ingest looks the key up only inside its one write statement (a second query per request
 * would cost a round trip to the database), so the bucket is the key's hash: a site has exactly one
 * live key, which makes it per site. The hash, not the key, is what leaves the worker.
 * Without the binding (a config that lacks it) nothing is limited.
 */
export const limitIngestPerSite = createMiddleware<AppEnv>(async (c, next) => {
  const limiter = c.env.INGEST_RATE_LIMIT;
  if (limiter) {
    let allowed = true;
    try {
      ({ success: allowed } = await limiter.limit({ key: c.get("siteKeyHash") }));
    } catch (err) {
      // A limiter outage must not stop the factories' data: let the request through.
      console.error(JSON.stringify({ level: "warn", msg: "rate limiter failed", request_id: c.get("requestId"), error: String(err) }));
    }
    if (!allowed) {
      throw new ApiError(
        429,
        "rate_limited",
        `Too many ingest requests for this site; nothing was stored. Retry after ${INGEST_RATE_PERIOD_SECONDS} seconds, or send events in bulk.`,
        [],
        { "Retry-After": String(INGEST_RATE_PERIOD_SECONDS) },
      );
    }
  }
  await next();
});
