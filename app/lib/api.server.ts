// The dashboard's only way to the data: the worker's HTTP API, through the `API` service binding
// (no public hop) or, without one, the `API_BASE` URL. Every answer is validated against the
// worker's schemas, so a contract change fails loudly here rather than rendering nonsense.
import type { z } from "zod";
import {
  cachedFactorySchema,
  cachedWorkerSchema,
  cachedWorkersSchema,
  cachedWorkstationSchema,
  cachedWorkstationsSchema,
  driftResponseSchema,
  errorEnvelopeSchema,
  pendingSchema,
  siteListSchema,
  timelineResponseSchema,
  workerTimelineResponseSchema,
  type SiteInfo,
} from "../../contract/api";

/** The part of a Cloudflare service binding the dashboard uses. */
export type ServiceFetcher = { fetch: (url: string, init?: RequestInit) => Promise<Response> };

export type ApiEnv = {
  API?: ServiceFetcher;
  /** e.g. http://127.0.0.1:8787, used when there is no service binding. */
  API_BASE?: string;
  /** Server-side only: the admin token, never sent to the browser. */
  API_TOKEN?: string;
  SITE_ID?: string;
};

export type Window = { start: Date; end: Date };

/** The API answered with an error, or could not be reached (status 502). */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

// A service binding ignores the host; a stable one keeps logs readable.
const BINDING_ORIGIN = "https://productivity-api.internal";

export function createApiClient(env: ApiEnv) {
  const siteId = env.SITE_ID || "demo";

  // The binding first (no public hop); API_BASE when there is none, or when the binding fails
  // without the API's own answer (a bound worker not running answers a bare 5xx).
  const routes = [
    ...(env.API ? [{ origin: BINDING_ORIGIN, fetch: (url: string, init: RequestInit) => env.API!.fetch(url, init) }] : []),
    ...(env.API_BASE ? [{ origin: env.API_BASE, fetch: (url: string, init: RequestInit) => fetch(url, init) }] : []),
  ];

  async function get<S extends z.ZodType>(path: string, params: Record<string, string>, schema: S): Promise<z.output<S>> {
    if (routes.length === 0) {
      throw new ApiRequestError(500, "api_not_configured", "The dashboard has neither an API service binding nor API_BASE.", path);
    }
    const init = {
      headers: { accept: "application/json", ...(env.API_TOKEN ? { authorization: `Bearer ${env.API_TOKEN}` } : {}) },
    };
    let problem = "";
    for (const route of routes) {
      const url = new URL(`/api${path}`, route.origin);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
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
        throw new ApiRequestError(res.status, envelope.data.error.code, envelope.data.error.message, path);
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

  const windowParams = (w: Window) => ({ site: siteId, start: w.start.toISOString(), end: w.end.toISOString() });
  const cached = (w: Window) => ({ ...windowParams(w), populate: "true" });

  return {
    siteId,
    /** The configured site (its time zone drives every window). */
    async site(): Promise<SiteInfo> {
      const { sites } = await get("/sites", {}, siteListSchema);
      const site = sites.find((s) => s.site_id === siteId);
      if (!site) throw new ApiRequestError(404, "site_not_found", `The API has no site "${siteId}".`, "/sites");
      return site;
    },
    factory: (w: Window) => get("/metrics/cache/factory", cached(w), cachedFactorySchema),
    workers: (w: Window) => get("/metrics/cache/workers", cached(w), cachedWorkersSchema),
    workstations: (w: Window) => get("/metrics/cache/workstations", cached(w), cachedWorkstationsSchema),
    worker: async (id: string, w: Window) => {
      const path = `/metrics/cache/worker/${encodeURIComponent(id)}`;
      const res = await get(path, cached(w), cachedWorkerSchema);
      if (!res.metrics) throw new ApiRequestError(404, "worker_not_found", `Site ${siteId} has no worker ${id}.`, path);
      return { ...res, metrics: res.metrics };
    },
    workstation: async (id: string, w: Window) => {
      const path = `/metrics/cache/workstation/${encodeURIComponent(id)}`;
      const res = await get(path, cached(w), cachedWorkstationSchema);
      if (!res.metrics) throw new ApiRequestError(404, "workstation_not_found", `Site ${siteId} has no workstation ${id}.`, path);
      return { ...res, metrics: res.metrics };
    },
    workerTimeline: (id: string, w: Window) =>
      get(`/timeline/worker/${encodeURIComponent(id)}`, windowParams(w), workerTimelineResponseSchema),
    workstationTimeline: (id: string, w: Window) =>
      get(`/timeline/workstation/${encodeURIComponent(id)}`, windowParams(w), timelineResponseSchema),
    /** The site's recompute requests not yet done: `total` counts them (one is listed). */
    pendingRecomputes: () => get("/recompute/pending", { site: siteId, limit: "1" }, pendingSchema),
    /** Per model version, the window's confidence against the baseline's (computed fresh, not cached). */
    modelDrift: (w: Window, baseline: Window) =>
      get(
        "/models/drift",
        { ...windowParams(w), baseline_start: baseline.start.toISOString(), baseline_end: baseline.end.toISOString() },
        driftResponseSchema,
      ),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
