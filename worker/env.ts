import type { Toucan } from "toucan-js";
import type { Connection } from "../db/client";
import type { Bindings } from "./config/bindings";

// Written once, as the schema every entry point checks (worker/config/bindings.ts).
export type { Bindings } from "./config/bindings";

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
  /** SHA-256 of an ingest request's bearer key (set by requireSiteKey); its site is checked with the write. */
  siteKeyHash: string;
  siteId?: string;
  /** Who is acting on an admin endpoint (set by requireAdmin), as recorded in admin_audit_log. */
  actor?: string;
  /** The site a read request is allowed to see (set by requireSiteAccess). */
  site: { siteId: string; timeZone: string; maxStateSeconds: number };
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
