// The dashboard's only way to the data: the worker's HTTP API, through the `API` service binding
// (no public hop) or, without one, the `API_BASE` URL. Every answer is validated against the
// worker's schemas, so a contract change fails loudly here rather than rendering nonsense.
//
// Each client speaks for one signed-in user: it carries that user's session token (never an admin
// token), the site the page's URL names, and the browser's address and user agent, so the API can
// check the user's grants, throttle sign-ins and write the audit log as it would for a direct call.
import type { z } from "zod";
import {
  cachedFactorySchema,
  cachedWorkerSchema,
  cachedWorkersSchema,
  cachedWorkstationSchema,
  cachedWorkstationsSchema,
  driftResponseSchema,
  errorEnvelopeSchema,
  timelineResponseSchema,
  workerTimelineResponseSchema,
} from "../../contract/api";
import {
  createdReadKeySchema,
  createdUserSchema,
  linkInfoSchema,
  meSchema,
  oneTimeLinkSchema,
  readKeyListSchema,
  readKeySchema,
  redeemedSchema,
  revokedSessionsSchema,
  sessionSchema,
  userListSchema,
  userSchema,
  type SiteRole,
} from "../../contract/auth";
import { auditEntriesSchema } from "../../contract/sites";

/** The part of a Cloudflare service binding the dashboard uses. */
export type ServiceFetcher = { fetch: (url: string, init?: RequestInit) => Promise<Response> };

export type ApiEnv = {
  API?: ServiceFetcher;
  /** e.g. http://127.0.0.1:8787, used when there is no service binding. */
  API_BASE?: string;
  /**
   * Signs the dashboard's cookies (session and CSRF). A comma-separated list: the first signs, all
   * verify, so a secret can be rotated without signing everyone out. Pages refuse to run without it.
   */
  SESSION_SECRET?: string;
};

export type Window = { start: Date; end: Date };

/** The API answered with an error, or could not be reached (status 502). */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
    /** Seconds, from the API's Retry-After (429). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/** Who is calling and from where: what every API call carries besides its own parameters. */
export type ClientOptions = {
  /** The signed-in user's session token (`wpds_...`); omitted for sign-in and one-time links. */
  token?: string;
  /** The site the page's URL names: sent as `?site=` on every read. */
  siteId?: string;
  /** The browser's request: its CF-Connecting-IP and User-Agent are forwarded. */
  request?: Request;
};

// A service binding ignores the host; a stable one keeps logs readable.
const BINDING_ORIGIN = "https://productivity-api.internal";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
type CallOptions = { method?: Method; params?: Record<string, string | undefined>; body?: unknown; headers?: Record<string, string> };

/** The headers that tell the API about the browser behind the dashboard. */
export function clientHeaders(request: Request | undefined): Record<string, string> {
  if (!request) return {};
  const ip = request.headers.get("CF-Connecting-IP");
  const ua = request.headers.get("User-Agent");
  return { ...(ip ? { "x-client-ip": ip } : {}), ...(ua ? { "x-client-user-agent": ua.slice(0, 512) } : {}) };
}

export function createApiClient(env: ApiEnv, opts: ClientOptions = {}) {
  const siteId = opts.siteId ?? "";

  // The binding first (no public hop); API_BASE when there is none, or when the binding fails
  // without the API's own answer (a bound worker not running answers a bare 5xx).
  const routes = [
    ...(env.API ? [{ origin: BINDING_ORIGIN, fetch: (url: string, init: RequestInit) => env.API!.fetch(url, init) }] : []),
    ...(env.API_BASE ? [{ origin: env.API_BASE, fetch: (url: string, init: RequestInit) => fetch(url, init) }] : []),
  ];
  const baseHeaders: Record<string, string> = {
    accept: "application/json",
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...clientHeaders(opts.request),
  };

  async function call<S extends z.ZodType>(path: string, schema: S, o: CallOptions = {}): Promise<z.output<S>> {
    if (routes.length === 0) {
      throw new ApiRequestError(500, "api_not_configured", "The dashboard has neither an API service binding nor API_BASE.", path);
    }
    const init: RequestInit = {
      method: o.method ?? "GET",
      headers: { ...baseHeaders, ...(o.body !== undefined ? { "content-type": "application/json" } : {}), ...o.headers },
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    };
    let problem = "";
    for (const route of routes) {
      const url = new URL(`/api${path}`, route.origin);
      for (const [k, v] of Object.entries(o.params ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      let res: Response;
      try {
        // URL and init rather than a Request: the binding proxy of `remix vite:dev` (Node) cannot
        // take a Request object across.
        res = await route.fetch(url.href, init);
      } catch (err) {
        problem = `The API could not be reached: ${err instanceof Error ? err.message : err}`;
        continue;
      }
      const body: unknown = await res.json().catch(() => undefined);
      if (res.ok) {
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          throw new ApiRequestError(502, "unexpected_response", `The API's answer to ${path} did not match its schema: ${parsed.error.message}`, path);
        }
        return parsed.data;
      }
      const envelope = errorEnvelopeSchema.safeParse(body);
      if (envelope.success) {
        const retry = Number(res.headers.get("retry-after"));
        throw new ApiRequestError(
          res.status,
          envelope.data.error.code,
          envelope.data.error.message,
          path,
          Number.isFinite(retry) && retry > 0 ? retry : undefined,
        );
      }
      // Not the API's own error envelope: something in between answered (an unbound service).
      if (res.status >= 500) {
        problem = `The API could not be reached (HTTP ${res.status}).`;
        continue;
      }
      throw new ApiRequestError(res.status, "api_error", `The API answered ${res.status}.`, path);
    }
    throw new ApiRequestError(502, "api_unreachable", problem, path);
  }

  const get = <S extends z.ZodType>(path: string, params: Record<string, string | undefined>, schema: S, headers?: Record<string, string>) =>
    call(path, schema, { params, headers });
  const windowParams = (w: Window) => ({ site: siteId, start: w.start.toISOString(), end: w.end.toISOString() });
  const cached = (w: Window) => ({ ...windowParams(w), populate: "true" });
  const enc = encodeURIComponent;
  /** The CSV export's data call names its file: the API writes an `export` audit entry for it. */
  const exportHeader = (exportName?: string) => (exportName ? { "x-export": exportName } : undefined);
  type Export = { exportName?: string };

  return {
    siteId,

    // --- the site's data (a session with a grant for `siteId`) ---
    factory: (w: Window, o: Export = {}) => get("/metrics/cache/factory", cached(w), cachedFactorySchema, exportHeader(o.exportName)),
    workers: (w: Window, o: Export = {}) => get("/metrics/cache/workers", cached(w), cachedWorkersSchema, exportHeader(o.exportName)),
    workstations: (w: Window, o: Export = {}) =>
      get("/metrics/cache/workstations", cached(w), cachedWorkstationsSchema, exportHeader(o.exportName)),
    worker: async (id: string, w: Window) => {
      const path = `/metrics/cache/worker/${enc(id)}`;
      const res = await get(path, cached(w), cachedWorkerSchema);
      if (!res.metrics) throw new ApiRequestError(404, "worker_not_found", `Site ${siteId} has no worker ${id}.`, path);
      return { ...res, metrics: res.metrics };
    },
    workstation: async (id: string, w: Window) => {
      const path = `/metrics/cache/workstation/${enc(id)}`;
      const res = await get(path, cached(w), cachedWorkstationSchema);
      if (!res.metrics) throw new ApiRequestError(404, "workstation_not_found", `Site ${siteId} has no workstation ${id}.`, path);
      return { ...res, metrics: res.metrics };
    },
    workerTimeline: (id: string, w: Window, o: Export = {}) =>
      get(`/timeline/worker/${enc(id)}`, windowParams(w), workerTimelineResponseSchema, exportHeader(o.exportName)),
    workstationTimeline: (id: string, w: Window, o: Export = {}) =>
      get(`/timeline/workstation/${enc(id)}`, windowParams(w), timelineResponseSchema, exportHeader(o.exportName)),
    /** Per model version, the window's confidence against the baseline's (computed fresh, not cached). */
    modelDrift: (w: Window, baseline: Window, o: Export = {}) =>
      get(
        "/models/drift",
        { ...windowParams(w), baseline_start: baseline.start.toISOString(), baseline_end: baseline.end.toISOString() },
        driftResponseSchema,
        exportHeader(o.exportName),
      ),

    // --- signing in and out ---
    /** The session's user, granted sites and expiries (touches the session). */
    me: () => get("/auth/me", {}, meSchema),
    login: (email: string, password: string) => call("/auth/login", sessionSchema, { method: "POST", body: { email, password } }),
    /** Exchanges a Cloudflare Access assertion (Cf-Access-Jwt-Assertion) for a session. */
    accessLogin: (assertion: string) => call("/auth/access", sessionSchema, { method: "POST", body: { assertion } }),
    logout: () => call("/auth/logout", revokedSessionsSchema, { method: "POST" }),
    logoutEverywhere: () => call("/auth/logout-everywhere", revokedSessionsSchema, { method: "POST" }),
    linkInfo: (token: string) => get(`/auth/links/${enc(token)}`, {}, linkInfoSchema),
    redeemLink: (token: string, password: string) => call(`/auth/links/${enc(token)}`, redeemedSchema, { method: "POST", body: { password } }),

    // --- owners: people, grants, read keys, the audit log ---
    users: {
      list: () => get("/users", {}, userListSchema),
      create: (u: { email: string; name: string; owner?: boolean }) => call("/users", createdUserSchema, { method: "POST", body: u }),
      update: (id: string, change: { name?: string; status?: "active" | "disabled"; owner?: boolean }) =>
        call(`/users/${enc(id)}`, userSchema, { method: "PATCH", body: change }),
      grant: (id: string, site: string, grant: { role: SiteRole; worker_detail: boolean }) =>
        call(`/users/${enc(id)}/sites/${enc(site)}`, userSchema, { method: "PUT", body: grant }),
      revokeGrant: (id: string, site: string) => call(`/users/${enc(id)}/sites/${enc(site)}`, userSchema, { method: "DELETE" }),
      resetLink: (id: string) => call(`/users/${enc(id)}/reset-link`, oneTimeLinkSchema, { method: "POST" }),
      logoutEverywhere: (id: string) => call(`/users/${enc(id)}/logout-everywhere`, revokedSessionsSchema, { method: "POST" }),
    },
    readKeys: {
      list: (site: string) => get(`/sites/${enc(site)}/read-keys`, {}, readKeyListSchema),
      create: (site: string, key: { name: string; worker_detail: boolean }) =>
        call(`/sites/${enc(site)}/read-keys`, createdReadKeySchema, { method: "POST", body: key }),
      revoke: (site: string, id: string) => call(`/sites/${enc(site)}/read-keys/${enc(id)}`, readKeySchema, { method: "DELETE" }),
    },
    /** The latest audit entries, newest first; `before_id` pages back. */
    audit: (q: { limit?: number; before_id?: number; site?: string; action?: string } = {}) =>
      get(
        "/audit",
        {
          limit: String(q.limit ?? 50),
          before_id: q.before_id === undefined ? undefined : String(q.before_id),
          site: q.site || undefined,
          action: q.action || undefined,
        },
        auditEntriesSchema,
      ),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
