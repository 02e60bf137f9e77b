// What loader tests share: the real API that app/test/api-setup.ts started, and the arguments a
// loader gets on Pages, with the API reached through a service binding or through API_BASE.
import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/cloudflare";
import { inject } from "vitest";
import type { ApiEnv } from "../lib/api.server";

export const apiUrl = inject("apiUrl");
export const apiToken = inject("apiToken");
export const siteId = inject("siteId");

/** A service binding delivers the request to the bound worker whatever its host: so does this. */
export const apiBinding = {
  fetch: (url: string, init?: RequestInit) => fetch(new URL(new URL(url).pathname + new URL(url).search, apiUrl), init),
};

/** The two ways the dashboard reaches the API, for `it.each`. */
export const apiEnvs: [string, ApiEnv][] = [
  ["the service binding", { API: apiBinding, API_TOKEN: apiToken, SITE_ID: siteId }],
  ["API_BASE", { API_BASE: apiUrl, API_TOKEN: apiToken, SITE_ID: siteId }],
];

const context = (env: ApiEnv): AppLoadContext => ({
  cloudflare: { env, ctx: { waitUntil: () => {}, passThroughOnException: () => {} } },
});

export const loaderArgs = (path: string, env: ApiEnv, params: Record<string, string> = {}): LoaderFunctionArgs => ({
  request: new Request(`http://dashboard.test${path}`),
  params,
  context: context(env),
});

/** What a loader threw as an error response (undefined when it did not throw). */
export async function loaderFailure(p: Promise<unknown>) {
  const err = (await p.then(() => undefined, (e: unknown) => e)) as { data: { code: string }; init: { status: number } } | undefined;
  return err && { status: err.init.status, code: err.data.code };
}
