// What every dashboard page's loader starts with: the signed-in user, the site the URL names (one
// of theirs, for its time zone and what they may see there) and the window the URL asks for; and
// how API failures become error responses the route's boundary explains.
import { data, type AppLoadContext, type LoaderFunctionArgs } from "@remix-run/cloudflare";
import type { GrantedSite, Me } from "../../contract/auth";
import { ApiRequestError, createApiClient } from "./api.server";
import { PageError, requireUser, type SignedIn } from "./session.server";
import { resolveWindow } from "./window";

/** The API client of this request's user, for one site (or none). */
export function apiFor(context: AppLoadContext, request: Request, user: Pick<SignedIn, "token">, siteId?: string) {
  return createApiClient(context.cloudflare.env, { token: user.token, siteId, request });
}

/** The site the URL names, if the user has it: a site they may not see does not exist for them. */
export function grantedSite(me: Me, siteId: string | undefined): GrantedSite {
  const site = me.sites.find((s) => s.site_id === siteId);
  if (!site) throw new PageError(404, "site_not_found", `There is no site "${siteId ?? ""}" among your sites.`);
  return site;
}

/** Per-worker pages and exports: managers and owners, viewers only with worker_detail. */
export function requireWorkerDetail(site: GrantedSite): void {
  if (!site.worker_detail) {
    throw new PageError(
      403,
      "worker_detail_forbidden",
      `Your access to ${site.name} does not include per-worker figures: they are shown to managers, and to viewers granted worker detail.`,
    );
  }
}

/** The owners' pages (users, keys, audit): the signed-in user must be an owner. */
export async function ownerContext(context: AppLoadContext, request: Request) {
  const user = await requireUser(request, context);
  if (!user.me.user.owner) throw new PageError(403, "owner_only", "Only owners can manage users, read keys and the audit log.");
  return { user, me: user.me, api: apiFor(context, request, user) };
}

export async function pageContext(
  context: AppLoadContext,
  request: Request,
  params: LoaderFunctionArgs["params"],
  opts: { workerDetail?: boolean } = {},
) {
  const user = await requireUser(request, context);
  const site = grantedSite(user.me, params.site);
  if (opts.workerDetail) requireWorkerDetail(site);
  const api = apiFor(context, request, user, site.site_id);
  const now = new Date();
  const window = resolveWindow(new URL(request.url).searchParams, site.time_zone, now);
  return { api, site, window, now, me: user.me };
}

/** What an error page gets: code, message, status and the API path that failed, if one did. */
export type ErrorData = { code: string; message: string; status: number; path?: string };

/** The status a page answers for an API failure: the API's 4xx, 502 for anything upstream. */
export const pageStatus = (err: ApiRequestError) => (err.status >= 500 ? 502 : err.status);

/** Runs a loader body; API and dashboard failures are thrown as responses carrying code, message and status. */
export async function withApiErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ApiRequestError) {
      const status = pageStatus(err);
      throw data({ code: err.code, message: err.message, status, path: err.path } satisfies ErrorData, {
        status,
        headers: { "Cache-Control": "private, no-store" },
      });
    }
    if (err instanceof PageError) {
      throw data({ code: err.code, message: err.message, status: err.status } satisfies ErrorData, {
        status: err.status,
        headers: { "Cache-Control": "private, no-store" },
      });
    }
    throw err;
  }
}

/** The API's public URL for instructions on screen (the binding itself has none). */
export function apiUrlForHumans(context: AppLoadContext): string {
  return context.cloudflare.env.API_BASE ?? "https://<your API host>";
}
