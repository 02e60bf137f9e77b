import { Hono } from "hono";
import { z } from "zod";
import {
  accessLoginRequestSchema,
  linkInfoSchema,
  loginRequestSchema,
  meSchema,
  redeemedSchema,
  redeemLinkSchema,
  revokedSessionsSchema,
  SESSION_TOKEN_PREFIX,
  sessionSchema,
} from "../../contract/auth";
import { LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS } from "../../contract/constants";
import { recordAudit } from "../../db/audit";
import { linkInfo, redeemLink } from "../../db/auth/links";
import { beginLoginAttempt, dropLoginAttempt, failLoginAttempt } from "../../db/auth/login-throttle";
import { createSession, revokeSession, revokeUserSessions } from "../../db/auth/sessions";
import { activateInvited, replacePasswordHash, userByEmail, userForLogin } from "../../db/auth/users";
import type { AppEnv } from "../env";
import { requireSession, whoActs } from "../http/auth";
import { clientAddress, clientIp, NO_CLIENT_ADDRESS } from "../http/bad-key-throttle";
import { newToken } from "../http/credentials";
import { ApiError } from "../http/errors";
import { NO_STORE } from "../http/security-headers";
import { requireJson, validate } from "../http/validate";
import { sha256Hex } from "../lib/sha256";
import { operation, TAGS } from "../openapi/describe";
import { InvalidAssertion, verifyAccessJwt } from "./cf-access";
import { hashPassword, needsRehash, passwordParams, verifyPassword } from "./password";

const login = operation({
  tag: TAGS.auth,
  summary: "Signs in with email and password; answers a new session token",
  description:
    "Failed logins are throttled per account and per client address. The client address is CF-Connecting-IP, or X-Client-IP where the dashboard forwards it.",
  access: "public",
  ok: sessionSchema,
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "invalid_credentials", "account_disabled", "too_many_attempts"],
});
const accessLogin = operation({
  tag: TAGS.auth,
  summary: "Signs in with a Cloudflare Access token (single sign-on); answers a new session token",
  access: "public",
  ok: sessionSchema,
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "sso_not_configured", "invalid_assertion", "no_such_user"],
});
const me = operation({ tag: TAGS.auth, summary: "The signed-in user, their sites and roles, and when the session ends", access: "session", ok: meSchema });
const logout = operation({ tag: TAGS.auth, summary: "Ends this session", access: "session", ok: revokedSessionsSchema });
const logoutEverywhere = operation({ tag: TAGS.auth, summary: "Ends every session of the signed-in user", access: "session", ok: revokedSessionsSchema });
const linkDescribed = operation({
  tag: TAGS.auth,
  summary: "What a one-time invite or reset link is for (it stays usable)",
  access: "public",
  ok: linkInfoSchema,
  errors: ["link_invalid"],
});
const linkRedeemed = operation({
  tag: TAGS.auth,
  summary: "Sets the password with a one-time link, which is then used up; the user's other sessions end",
  access: "public",
  ok: redeemedSchema,
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "link_invalid"],
});

const linkParam = validate(
  "param",
  z.object({ token: z.string().min(1).max(200).meta({ description: "The link's token.", examples: ["wpdl_3q2-Xv9kR0c7bT1mZs8yLw4nHf6eJa5uPdQ0iGoKtVc"] }) }),
);

const invalidCredentials = () => new ApiError(401, "invalid_credentials", "Email or password is wrong.");
const linkInvalid = () => new ApiError(404, "link_invalid", "This link is unknown, already used or expired. Ask an owner for a new one.");

/** The user agent of the person signing in: the dashboard forwards its visitor's. */
const userAgentOf = (h: (name: string) => string | undefined) => h("x-client-user-agent") ?? h("user-agent");

export const authRoutes = new Hono<AppEnv>()
  .post("/login", login, requireJson, validate("json", loginRequestSchema), async (c) => {
    const { email, password } = c.req.valid("json");
    const ip = clientIp(c);
    const address = clientAddress(c);
    const who = { actor: `user:${email}`, requestId: c.get("requestId"), ip };
    const { db } = await c.get("db")();
    const attempt = await beginLoginAttempt(db, who, email, address === NO_CLIENT_ADDRESS ? undefined : address);
    const overAccount = attempt.account > LOGIN_FAILURES_PER_ACCOUNT;
    if (overAccount || (address !== NO_CLIENT_ADDRESS && attempt.address > LOGIN_FAILURES_PER_ADDRESS)) {
      await dropLoginAttempt(db, attempt.id);
      const seconds = Math.max(1, overAccount ? attempt.accountRetry : attempt.addressRetry);
      throw new ApiError(
        429,
        "too_many_attempts",
        `Too many failed logins ${overAccount ? "for this account" : "from this address"}. Try again in ${Math.ceil(seconds / 60)} minute(s).`,
        [],
        { "Retry-After": String(seconds) },
      );
    }
    const user = await userForLogin(db, email);
    // Runs the same slow check for an unknown email, so timing does not tell which accounts exist.
    const params = passwordParams(c.env);
    if (!verifyPassword(password, user?.password_hash, params)) {
      await failLoginAttempt(db, attempt.id, user ? "wrong_password" : "unknown_email");
      throw invalidCredentials();
    }
    if (user!.status !== "active") {
      await failLoginAttempt(db, attempt.id, "disabled");
      throw new ApiError(403, "account_disabled", "This account is disabled. Ask an owner to enable it.");
    }
    await dropLoginAttempt(db, attempt.id);
    if (needsRehash(user!.password_hash!, params)) await replacePasswordHash(db, user!.user_id, hashPassword(password, params));
    // Always a new session: an id that existed before the login is never the signed-in one.
    const token = newToken(SESSION_TOKEN_PREFIX);
    const session = await createSession(
      db,
      { tokenHash: await sha256Hex(token), userId: user!.user_id, method: "password", userAgent: userAgentOf((n) => c.req.header(n)) },
      who,
    );
    return c.json({ token, me: session }, 200, NO_STORE);
  })
  .post("/access", accessLogin, requireJson, validate("json", accessLoginRequestSchema), async (c) => {
    const { CF_ACCESS_TEAM_DOMAIN: teamDomain, CF_ACCESS_AUD: aud } = c.env;
    if (!teamDomain || !aud) throw new ApiError(404, "sso_not_configured", "Cloudflare Access is not configured: set CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD.");
    let email: string;
    try {
      email = await verifyAccessJwt(c.req.valid("json").assertion, { teamDomain, aud });
    } catch (err) {
      if (!(err instanceof InvalidAssertion)) throw err;
      const { db } = await c.get("db")();
      await recordAudit(db, { actor: "cloudflare-access", requestId: c.get("requestId"), ip: clientIp(c) }, "login_failed", null, {
        method: "access",
        reason: "invalid_assertion",
        error: err.message.slice(0, 200),
      });
      throw new ApiError(401, "invalid_assertion", `The Cloudflare Access token does not verify: ${err.message}`);
    }
    const who = { actor: `user:${email}`, requestId: c.get("requestId"), ip: clientIp(c) };
    const { db } = await c.get("db")();
    const user = await userByEmail(db, email);
    if (!user || user.status === "disabled") {
      await recordAudit(db, who, "login_failed", null, { email, method: "access", reason: user ? "disabled" : "unknown_email" });
      throw new ApiError(403, "no_such_user", `No active user has the email ${email}. Ask an owner to add you.`);
    }
    // Added for single sign-on, the user never needed a password: their first sign-in activates them.
    if (user.status === "invited") await activateInvited(db, user.id, who);
    const token = newToken(SESSION_TOKEN_PREFIX);
    const session = await createSession(
      db,
      { tokenHash: await sha256Hex(token), userId: user.id, method: "access", userAgent: userAgentOf((n) => c.req.header(n)) },
      who,
    );
    return c.json({ token, me: session }, 200, NO_STORE);
  })
  // requireSession has read (and touched) the session: its answer is the body.
  .get("/me", me, requireSession, (c) => c.json(c.get("me")!))
  .post("/logout", logout, requireSession, async (c) => {
    const { db } = await c.get("db")();
    return c.json({ revoked: await revokeSession(db, c.get("user")!.tokenHash, whoActs(c)) });
  })
  .post("/logout-everywhere", logoutEverywhere, requireSession, async (c) => {
    const { db } = await c.get("db")();
    return c.json({ revoked: await revokeUserSessions(db, c.get("user")!.userId, whoActs(c)) });
  })
  .get("/links/:token", linkDescribed, linkParam, async (c) => {
    const { db } = await c.get("db")();
    const info = await linkInfo(db, await sha256Hex(c.req.param("token")));
    if (!info) throw linkInvalid();
    return c.json(info, 200, NO_STORE);
  })
  .post("/links/:token", linkRedeemed, linkParam, requireJson, validate("json", redeemLinkSchema), async (c) => {
    const { db } = await c.get("db")();
    const tokenHash = await sha256Hex(c.req.param("token"));
    // The slow hash only for a link that can be used.
    if (!(await linkInfo(db, tokenHash))) throw linkInvalid();
    const redeemed = await redeemLink(db, tokenHash, hashPassword(c.req.valid("json").password, passwordParams(c.env)), {
      requestId: c.get("requestId"),
      ip: clientIp(c),
    });
    if (!redeemed) throw linkInvalid();
    return c.json({ email: redeemed.email }, 200, NO_STORE);
  });
