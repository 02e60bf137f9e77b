import type { Toucan } from "toucan-js";
import type { Connection } from "../db/client";
import type { RecomputeMessage } from "./recompute/message";

export type Bindings = {
  /** Postgres connection string: a Neon database in production, the embedded one locally. */
  DATABASE_URL: string;
  /** host:port of the local WebSocket proxy; set only by `npm run dev` and the tests. */
  NEON_LOCAL_PROXY?: string;
  /** Bearer token for admin endpoints; unset disables them. */
  ADMIN_TOKEN?: string;
  /** Key given to the demo site when the seed creates it (local dev); random otherwise. */
  DEMO_SITE_KEY?: string;
  SENTRY_DSN?: string;
  ENVIRONMENT?: string;
  RECOMPUTE: Queue<RecomputeMessage>;
  /** Per-site ingest rate limit (`[[ratelimits]]`); optional so a config without it still runs. */
  INGEST_RATE_LIMIT?: RateLimit;
  /**
   * Failed site-key checks per client address (`[[ratelimits]]`, worker/http/bad-key-throttle.ts);
   * optional so a config without it still runs (then nothing is throttled).
   */
  AUTH_FAILURE_RATE_LIMIT?: RateLimit;
};

export type Variables = {
  requestId: string;
  sentry?: Toucan;
  /** Opens (once) the request's database connection; closed when the response is done. */
  db: () => Promise<Connection>;
  /**
   * Lets already started work (e.g. a cache write) finish after the response is sent; a failure is
   * logged as `<what> failed`. The connection is closed after it.
   */
  defer: (what: string, task: Promise<unknown>) => void;
  /** The bearer key of an ingest request; which site it belongs to is checked with the write. */
  siteKey: string;
  siteId?: string;
  /** Who is acting on an admin endpoint (set by requireAdmin), as recorded in admin_audit_log. */
  actor?: string;
  /** The site a read request is allowed to see (set by requireSiteAccess). */
  site: { siteId: string; timeZone: string; maxStateSeconds: number };
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
