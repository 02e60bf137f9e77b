import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AuditActor } from "../../db/audit";
import { sessionAccess } from "../../db/auth/access";
import { resumeSession } from "../../db/auth/sessions";
import type { Database } from "../../db/client";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/sha256";
import { clientIp, keyAccepted, keyRefused, screenKey } from "./bad-key-throttle";
import { bearerToken, credentialOf } from "./credentials";
import { ApiError } from "./errors";

export { bearerToken };

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

const sessionEnded = () => new ApiError(401, "unauthorized", "The session is not valid (unknown, signed out, expired, or the user is disabled).");

/**
 * What `load` reads of the live session (one query, which also touches it); a made-up or ended
 * token counts against the bad-key throttle.
 */
async function liveSession<T>(c: Context<AppEnv>, hash: string, load: (db: Database) => Promise<T | undefined>): Promise<T> {
  await screenKey(c, hash, sessionEnded);
  const { db } = await c.get("db")();
  const found = await load(db);
  if (!found) throw (await keyRefused(c, hash)) ?? sessionEnded();
  keyAccepted(hash);
  return found;
}

/**
 * Sites, users, read keys and the audit log: the admin token, or the session of an owner. Sets
 * `actor` (and `user` for a session).
 */
export const requireOwner = createMiddleware<AppEnv>(async (c, next) => {
  const cred = await credentialOf(c);
  if (!cred) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <an owner's session token or the admin token>.");
  if (cred.kind === "admin") {
    c.set("actor", ADMIN_TOKEN_ACTOR);
    return next();
  }
  if (cred.kind !== "session") throw new ApiError(403, "owner_only", "Only an owner (or the admin token) may do this.");
  const access = await liveSession(c, cred.hash, (db) => sessionAccess(db, cred.hash, undefined));
  if (!access.owner) throw new ApiError(403, "owner_only", "Only an owner may do this.");
  c.set("actor", `user:${access.email}`);
  c.set("user", { userId: access.userId, email: access.email, owner: true, tokenHash: cred.hash });
  await next();
});

/** A signed-in user's own session (me, logout). Sets `me` (the user, their sites, the session's expiries), `user` and `actor`. */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  const cred = await credentialOf(c);
  if (!cred) throw new ApiError(401, "unauthorized", "Send Authorization: Bearer <session token>.");
  if (cred.kind !== "session") throw new ApiError(403, "session_required", "This needs a user's session token.");
  const me = await liveSession(c, cred.hash, (db) => resumeSession(db, cred.hash));
  c.set("me", me);
  c.set("actor", `user:${me.user.email}`);
  c.set("user", { userId: me.user.id, email: me.user.email, owner: me.user.owner, tokenHash: cred.hash });
  await next();
});

/** Who is acting on this request, for the audit log: the actor set by the auth middleware, the request, the address. */
export const whoActs = (c: Context<AppEnv>): AuditActor => ({
  actor: c.get("actor") ?? ADMIN_TOKEN_ACTOR,
  requestId: c.get("requestId"),
  ip: clientIp(c),
});
