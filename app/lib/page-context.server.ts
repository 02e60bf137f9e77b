// What every dashboard page's loader starts with: the site (for its time zone) and the window the
// URL asks for; and how API failures become error responses the route's boundary explains.
import { data, type AppLoadContext } from "@remix-run/cloudflare";
import { ApiRequestError, createApiClient } from "./api.server";
import { resolveWindow } from "./window";

/** The API client for this request's environment. */
export function apiFor(context: AppLoadContext) {
  return createApiClient(context.cloudflare.env);
}

export async function pageContext(context: AppLoadContext, request: Request) {
  const api = apiFor(context);
  const site = await api.site();
  const now = new Date();
  const window = resolveWindow(new URL(request.url).searchParams, site.time_zone, now);
  return { api, site, window, now };
}

/** Runs a loader body; API failures are thrown as responses carrying code, message and status. */
export async function withApiErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ApiRequestError) {
      throw data({ code: err.code, message: err.message, status: err.status, path: err.path }, { status: err.status === 404 ? 404 : err.status >= 500 ? 502 : err.status });
    }
    throw err;
  }
}

/** The API's public URL for instructions on screen (the binding itself has none). */
export function apiUrlForHumans(context: AppLoadContext): string {
  return context.cloudflare.env.API_BASE ?? "https://<your API host>";
}
