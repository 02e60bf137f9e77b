// Who a bearer credential is, and what it may read, in one round trip per request: a session
// (a user and their role on the site asked for) or a site's read key. Ingest keys are told apart
// only to answer them 403 rather than 401.
import { sql } from "drizzle-orm";
import type { Database } from "../client";
import { liveSession } from "./sessions";

export type SiteRow = { siteId: string; timeZone: string; maxStateSeconds: number };

type SiteCols = { site_id: string | null; time_zone: string | null; max_state_seconds: number | null };
const siteOf = (r: SiteCols): SiteRow | undefined =>
  r.site_id ? { siteId: r.site_id, timeZone: r.time_zone!, maxStateSeconds: r.max_state_seconds! } : undefined;

export type SessionAccess = {
  userId: string;
  email: string;
  owner: boolean;
  /** The site asked for, when it exists and the user may open it. */
  site?: SiteRow;
  role?: "owner" | "manager" | "viewer";
  workerDetail: boolean;
};

/** The live session's user and their access to `siteId` (if given); undefined for no live session. */
export async function sessionAccess(db: Database, tokenHash: string, siteId: string | undefined): Promise<SessionAccess | undefined> {
  const { rows } = await db.execute<
    SiteCols & { user_id: string; email: string; owner: boolean; role: string | null; worker_detail: boolean | null }
  >(sql`
    with ${liveSession(tokenHash)}
    select u.user_id, u.email, u.owner, st.site_id, st.time_zone, st.max_state_seconds, g.role, g.worker_detail
      from cur join users u on u.user_id = cur.user_id
      left join user_sites g on g.user_id = u.user_id and g.site_id = ${siteId ?? null}::text
      left join sites st on st.site_id = ${siteId ?? null}::text and (u.owner or g.user_id is not null)`);
  const r = rows[0];
  if (!r) return undefined;
  const site = siteOf(r);
  const role = !site ? undefined : r.owner ? "owner" : (r.role as "manager" | "viewer");
  return {
    userId: r.user_id,
    email: r.email,
    owner: r.owner,
    site,
    role,
    workerDetail: !!site && (r.owner || r.role === "manager" || !!r.worker_detail),
  };
}

/** A live read key's site and scope; undefined when unknown or revoked. */
export async function readKeyAccess(db: Database, keyHash: string): Promise<{ keyId: string; workerDetail: boolean; site: SiteRow } | undefined> {
  const { rows } = await db.execute<SiteCols & { key_id: string; worker_detail: boolean }>(sql`
    select k.key_id, k.worker_detail, s.site_id, s.time_zone, s.max_state_seconds
      from read_keys k join sites s using (site_id)
     where k.key_hash = ${keyHash} and k.revoked_at is null`);
  const r = rows[0];
  return r && { keyId: r.key_id, workerDetail: r.worker_detail, site: siteOf(r)! };
}
