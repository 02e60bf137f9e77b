import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

/**
 * Every API answer is for one caller: per-worker figures, keys, session tokens. No shared cache
 * (a CDN, a company proxy) or browser cache may keep it, and no browser may sniff it into HTML.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "private, no-store");
  c.header("X-Content-Type-Options", "nosniff");
});

/** For an answer that carries a new key, token or link: kept by nothing between the API and its caller. */
export const NO_STORE = { "Cache-Control": "no-store" } as const;
