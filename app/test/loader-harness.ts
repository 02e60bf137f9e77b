// What loader tests share: the real API that app/test/api-setup.ts started, the people who sign in
// to it, and the arguments a loader or action gets on Pages, with the API reached through a service
// binding or through API_BASE and the browser's cookies on the request.
import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { inject } from "vitest";
import type { ApiEnv } from "../lib/api.server";
import { CSRF_COOKIE } from "../lib/csrf.server";
import { dashboardCookie, sessionCookie } from "../lib/session.server";
import type { TestUsers } from "./api-setup";

export const apiUrl = inject("apiUrl");
/** The API's admin token: for tests that set up sites and compare with the API's own answers. */
export const apiToken = inject("apiToken");
export const siteId = inject("siteId");
export const sessionSecret = inject("sessionSecret");
export const users = inject("users");
export type Who = keyof TestUsers;

/** A service binding delivers the request to the bound worker whatever its host: so does this. */
export const apiBinding = {
  fetch: (url: string, init?: RequestInit) => fetch(new URL(new URL(url).pathname + new URL(url).search, apiUrl), init),
};

/** The two ways the dashboard reaches the API, for `it.each`. */
export const apiEnvs: [string, ApiEnv][] = [
  ["the service binding", { API: apiBinding, SESSION_SECRET: sessionSecret }],
  ["API_BASE", { API_BASE: apiUrl, SESSION_SECRET: sessionSecret }],
];
export const env: ApiEnv = apiEnvs[0][1];

export const ORIGIN = "http://dashboard.test";

export const loadContext = (env: ApiEnv): AppLoadContext => ({
  cloudflare: { env, ctx: { waitUntil: () => {}, passThroughOnException: () => {} } },
});

export type RequestExtras = { cookie?: string; headers?: Record<string, string>; method?: string; form?: Record<string, string> };

/** A browser's request to the dashboard: its cookies, headers and (for actions) a form. */
export function dashboardRequest(path: string, extras: RequestExtras = {}): Request {
  const headers = new Headers(extras.headers);
  if (extras.cookie) headers.set("Cookie", extras.cookie);
  const body = extras.form ? new URLSearchParams(extras.form) : undefined;
  return new Request(`${ORIGIN}${path}`, { method: extras.method ?? (body ? "POST" : "GET"), headers, body });
}

export const loaderArgs = (path: string, env: ApiEnv, params: Record<string, string> = {}, extras: RequestExtras = {}): LoaderFunctionArgs => ({
  request: dashboardRequest(path, extras),
  params,
  context: loadContext(env),
});

/** `name=value` of a Set-Cookie, for a Cookie header. */
export const cookiePair = (setCookie: string) => setCookie.split(";")[0];

/** A session token of the user, from the API's own sign-in (one per user and test file). */
const tokens = new Map<Who, Promise<string>>();
export function sessionTokenOf(who: Who): Promise<string> {
  let t = tokens.get(who);
  if (!t) {
    t = (async () => {
      const res = await fetch(new URL("/api/auth/login", apiUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(users[who]),
      });
      if (res.status !== 200) throw new Error(`sign-in of ${who} failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    })();
    tokens.set(who, t);
  }
  return t;
}

/** The signed `wpd_session` cookie holding a token, as the dashboard would have set it. */
export async function sessionCookieHeader(token: string, secret = sessionSecret): Promise<string> {
  return cookiePair(await sessionCookie(new Request(ORIGIN), { SESSION_SECRET: secret }).serialize(token));
}

/** The Cookie header of a browser signed in as `who`. */
export async function cookieOf(who: Who): Promise<string> {
  return sessionCookieHeader(await sessionTokenOf(who));
}

/** A CSRF cookie and the token the page's forms carry, as root.tsx's loader hands them out. */
export async function csrfPair(token = "a-csrf-token-of-at-least-32-characters-0123456789"): Promise<{ cookie: string; token: string }> {
  const cookie = await dashboardCookie(CSRF_COOKIE, new Request(ORIGIN), { SESSION_SECRET: sessionSecret }).serialize(token);
  return { cookie: cookiePair(cookie), token };
}

/** What a loader threw as an error response (undefined when it did not throw). */
export async function loaderFailure(p: Promise<unknown>) {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { data: { code: string }; init: { status: number } } | undefined;
  return err && { status: err.init.status, code: err.data.code };
}

/** Where a loader redirected (a thrown or returned redirect response), or undefined. */
export async function loaderRedirect(p: Promise<unknown>): Promise<{ status: number; location: string | null; headers: Headers } | undefined> {
  const r = await p.then((v) => v, (e: unknown) => e);
  if (r instanceof Response && r.status >= 300 && r.status < 400) return { status: r.status, location: r.headers.get("Location"), headers: r.headers };
  return undefined;
}
