import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/sha256";
import { ApiError } from "./errors";

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * The actor recorded in admin_audit_log for a request with the admin token: one shared secret, so
 * it names the credential, not a person; the request id leads to the request's logs.
 */
export const ADMIN_TOKEN_ACTOR = "admin-token";

/**
 * Ingest needs a site key. Which site it belongs to is checked inside the write itself (one round
 * trip), so only a missing key is refused here. The key is hashed here once: the throttle, the rate
 * limit and the write all work on the hash, and the key itself is not kept on the request.
 */
export const requireSiteKey = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerToken(c.req.header("authorization"));
  if (!key) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <site key>. Nothing was stored.");
  c.set("siteKeyHash", await sha256Hex(key));
  await next();
});

/** Admin endpoints need `Authorization: Bearer $ADMIN_TOKEN`; without ADMIN_TOKEN they are off. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError(403, "admin_disabled", "Admin endpoints are disabled: set ADMIN_TOKEN.");
  const given = bearerToken(c.req.header("authorization"));
  if (!given) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <admin token>.");
  // Compare digests so the comparison time does not depend on where the strings differ.
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(expected)]);
  if (a !== b) throw new ApiError(401, "unauthorized", "The admin token is not valid.");
  c.set("actor", ADMIN_TOKEN_ACTOR);
  await next();
});
