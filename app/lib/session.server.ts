// Who is signed in. The session token the API issued lives in the `wpd_session` cookie, signed with
// SESSION_SECRET (HttpOnly, so page scripts never see it); every page asks the API who it belongs
// to (GET /api/auth/me), which also checks that the session is still alive and touches its idle
// expiry. Behind Cloudflare Access, a request without a session but with Access's assertion is
// signed in by exchanging the assertion (POST /api/auth/access).
import { createCookie, redirect, type AppLoadContext, type Cookie } from "@remix-run/cloudflare";
import type { Me } from "../../contract/auth";
import { SESSION_MAX_SECONDS } from "../../contract/constants";
import { ApiRequestError, createApiClient, type ApiEnv } from "./api.server";
import { pendingHeaders } from "./response-headers.server";

export const SESSION_COOKIE = "wpd_session";

/** A dashboard failure that is not the API's: answered with its status and an explanation. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PageError";
  }
}

/** The cookie secrets, first one signing; none is an error: the dashboard never runs unsigned. */
export function sessionSecrets(env: ApiEnv): string[] {
  const secrets = (env.SESSION_SECRET ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0) {
    throw new PageError(
      500,
      "session_secret_missing",
      "SESSION_SECRET is not set: the dashboard signs its cookies with it and does not run without it.",
    );
  }
  return secrets;
}

/** Plain http is only acceptable on this machine (wrangler pages dev, remix vite:dev). */
export function isLocalHttp(url: URL): boolean {
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

/** A signed cookie of the dashboard: HttpOnly, SameSite=Lax, Path=/, Secure except on local http. */
export function dashboardCookie(name: string, request: Request, env: ApiEnv, maxAge?: number): Cookie {
  return createCookie(name, {
    secrets: sessionSecrets(env),
    httpOnly: true,
    sameSite: "lax",
    secure: !isLocalHttp(new URL(request.url)),
    path: "/",
    ...(maxAge === undefined ? {} : { maxAge }),
  });
}

export const sessionCookie = (request: Request, env: ApiEnv) => dashboardCookie(SESSION_COOKIE, request, env, SESSION_MAX_SECONDS);

/** Set-Cookie holding a new session token. */
export const commitSession = (request: Request, env: ApiEnv, token: string) => sessionCookie(request, env).serialize(token);

/** Set-Cookie removing the session cookie. */
export const destroySession = (request: Request, env: ApiEnv) => sessionCookie(request, env).serialize("", { maxAge: 0 });

/**
 * A signed cookie's value, or null when it is missing or its signature does not verify with any of
 * the secrets. (Remix's unsign throws on a signature that is not even base64: a forged cookie must
 * read as none, not fail the page.)
 */
export async function readSignedCookie(cookie: Cookie, request: Request): Promise<string | null> {
  let value: unknown;
  try {
    value = await cookie.parse(request.headers.get("Cookie"));
  } catch {
    return null;
  }
  return typeof value === "string" && value !== "" ? value : null;
}

/** The session token in the request's cookie, if it carries a validly signed one. */
export const sessionToken = (request: Request, env: ApiEnv) => readSignedCookie(sessionCookie(request, env), request);

export type SignedIn = {
  me: Me;
  token: string;
  /** Set-Cookie to send when this request signed the user in (the Access exchange); else empty. */
  headers: Headers;
};

// Root and page loaders of one request share its load context: the API is asked once.
const resolved = new WeakMap<AppLoadContext, Promise<SignedIn | null>>();

/** The signed-in user, or null. Throws only when the dashboard or the API is broken. */
export function currentUser(request: Request, context: AppLoadContext): Promise<SignedIn | null> {
  let p = resolved.get(context);
  if (!p) resolved.set(context, (p = resolveUser(request, context)));
  return p;
}

async function resolveUser(request: Request, context: AppLoadContext): Promise<SignedIn | null> {
  const env = context.cloudflare.env;
  const token = await sessionToken(request, env);
  if (token) {
    try {
      const me = await createApiClient(env, { token, request }).me();
      return { me, token, headers: new Headers() };
    } catch (err) {
      // Expired, revoked or unknown: the same as no cookie.
      if (!(err instanceof ApiRequestError && err.status === 401)) throw err;
    }
  }
  const assertion = request.headers.get("Cf-Access-Jwt-Assertion");
  if (!assertion) return null;
  try {
    const session = await createApiClient(env, { request }).accessLogin(assertion);
    const setCookie = await commitSession(request, env, session.token);
    pendingHeaders(context).append("Set-Cookie", setCookie);
    return { me: session.me, token: session.token, headers: new Headers({ "Set-Cookie": setCookie }) };
  } catch (err) {
    // No SSO on the API, or an assertion it does not accept: sign in with a password instead.
    // (An Access identity without an account here, or a disabled one, is an error page.)
    if (err instanceof ApiRequestError && (err.code === "sso_not_configured" || err.code === "invalid_assertion")) return null;
    throw err;
  }
}

/** Where to send someone who must sign in first: back here afterwards. */
export function loginPath(request: Request): string {
  const url = new URL(request.url);
  // A client navigation's loader request carries Remix's own parameters: not part of the page.
  url.searchParams.delete("_routes");
  url.searchParams.delete("index");
  const next = url.pathname + url.search;
  return next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

/** For pages: the signed-in user, or a redirect to the sign-in page. */
export async function requireUser(request: Request, context: AppLoadContext): Promise<SignedIn> {
  const user = await currentUser(request, context);
  if (!user) throw redirect(loginPath(request), { headers: { "Cache-Control": "private, no-store" } });
  return user;
}

/** For resource routes (CSV exports): the signed-in user, or a plain 401 (a download cannot redirect usefully). */
export async function requireUserForResource(request: Request, context: AppLoadContext): Promise<SignedIn> {
  const user = await currentUser(request, context);
  if (!user) {
    throw new Response("Sign in to the dashboard first, then download the file again.\n", {
      status: 401,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" },
    });
  }
  return user;
}

/** Only a path on this dashboard: `next` from the URL must not send anyone elsewhere. */
export function safeNext(next: string | null | undefined, request: Request): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  try {
    const origin = new URL(request.url).origin;
    const url = new URL(next, origin);
    // The raw string is not what the browser follows: the URL parser resolves dot segments
    // (`/.//x`, `/%2e//x`, `/a/..//x`) and turns backslashes into slashes, and a path that then
    // starts with `//` would go out as a protocol-relative redirect to another host. Check the
    // normalised result, which is what is returned.
    if (url.origin !== origin || url.pathname.startsWith("//") || url.pathname.startsWith("/\\")) return "/";
    // Never back to the sign-in or sign-out page itself.
    if (url.pathname === "/login" || url.pathname === "/logout") return "/";
    return url.pathname + url.search + url.hash;
  } catch {
    return "/";
  }
}
