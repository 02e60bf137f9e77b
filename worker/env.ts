import type { Toucan } from "toucan-js";
import type { Me } from "../contract/auth";
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
  /** Who is reading (set by requireSiteAccess): the audit actor, and whether per-worker data may be shown. */
  reader: { kind: "session" | "read_key" | "admin"; actor: string; workerDetail: boolean };
  /** The signed-in user, their sites and the session's expiries (set by requireSession). */
  me?: Me;
  /** The signed-in user of a session request (set by requireSession and requireOwner). */
  user?: { userId: string; email: string; owner: boolean; tokenHash: string };
  /** The site a read request is allowed to see (set by requireSiteAccess). */
  site: { siteId: string; timeZone: string; maxStateSeconds: number };
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
