// Sign-in sessions. The token is the bearer credential; only its SHA-256 is stored.
import { sql, type SQL } from "drizzle-orm";
import type { Me } from "../../contract/auth";
import { SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS } from "../../contract/constants";
import { auditFrom, type AuditActor } from "../audit";
import type { Database } from "../client";
import { isoUtc } from "../sql-time";

/** A session touched less than this long ago is not written again: a page's calls make one write. */
const TOUCH_AFTER_SECONDS = 60;

/**
 * The live session with this token hash, as CTE `cur` (and its touch, `touched`): not revoked,
 * not past its absolute expiry, used within the idle time, of an active user.
 */
export const liveSession = (tokenHash: string) => sql`
  cur as (
    select s.token_hash, s.user_id, s.expires_at, s.last_seen_at
      from sessions s join users u on u.user_id = s.user_id and u.status = 'active'
     where s.token_hash = ${tokenHash} and s.revoked_at is null and s.expires_at > now()
       and s.last_seen_at > now() - make_interval(secs => ${SESSION_IDLE_SECONDS})
  ),
  touched as (
    update sessions s set last_seen_at = now() from cur
     where s.token_hash = cur.token_hash and cur.last_seen_at < now() - make_interval(secs => ${TOUCH_AFTER_SECONDS})
    returning s.last_seen_at
  )`;

/** The signed-in user, the sites they may open and their session's expiries (contract `Me`). */
const meJson = (session: SQL) => sql`json_build_object(
  'user', json_build_object('id', u.user_id, 'email', u.email, 'name', u.name, 'owner', u.owner),
  'sites', coalesce((
      select json_agg(json_build_object('site_id', st.site_id, 'name', st.name, 'time_zone', st.time_zone,
                                        'role', case when u.owner then 'owner' else g.role end,
                                        'worker_detail', u.owner or g.role = 'manager' or coalesce(g.worker_detail, false))
                      order by st.name, st.site_id)
        from sites st left join user_sites g on g.site_id = st.site_id and g.user_id = u.user_id
       where u.owner or g.user_id is not null), '[]'::json),
  'session', ${session})`;

/** Creates a session for the user and records the login, in one statement. */
export async function createSession(
  db: Database,
  s: { tokenHash: string; userId: string; method: "password" | "access"; userAgent?: string },
  who: AuditActor,
): Promise<Me> {
  const { rows } = await db.execute<{ me: Me }>(sql`
    with created as (
      insert into sessions (token_hash, user_id, expires_at, method, ip, user_agent)
      values (${s.tokenHash}, ${s.userId}, now() + make_interval(secs => ${SESSION_MAX_SECONDS}), ${s.method},
              ${who.ip ?? null}, ${s.userAgent?.slice(0, 512) ?? null})
      returning user_id, expires_at, last_seen_at
    ),
    seen as (update users set last_login_at = now() where user_id = ${s.userId} returning user_id, email),
    entry as (select null::text as site_id, jsonb_build_object('user_id', user_id, 'email', email, 'method', ${s.method}::text) as details from seen),
    audited as (${auditFrom(who, "login", "entry")})
    select ${meJson(sql`json_build_object('expires_at', ${isoUtc(sql`c.expires_at`)},
                                          'idle_expires_at', ${isoUtc(sql`c.last_seen_at + make_interval(secs => ${SESSION_IDLE_SECONDS})`)})`)} as me
      from created c join users u on u.user_id = c.user_id`);
  return rows[0].me;
}

/** The session's user and sites, touching it (idle expiry); undefined when it is not live. */
export async function resumeSession(db: Database, tokenHash: string): Promise<Me | undefined> {
  const { rows } = await db.execute<{ me: Me }>(sql`
    with ${liveSession(tokenHash)}
    select ${meJson(sql`json_build_object('expires_at', ${isoUtc(sql`cur.expires_at`)},
                                          'idle_expires_at', ${isoUtc(sql`greatest(cur.last_seen_at, coalesce((select last_seen_at from touched), cur.last_seen_at)) + make_interval(secs => ${SESSION_IDLE_SECONDS})`)})`)} as me
      from cur join users u on u.user_id = cur.user_id`);
  return rows[0]?.me;
}

/** Ends one session (logout); answers how many ended (0 or 1). */
export async function revokeSession(db: Database, tokenHash: string, who: AuditActor): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with ended as (
      update sessions set revoked_at = now() where token_hash = ${tokenHash} and revoked_at is null
      returning user_id
    ),
    entry as (select null::text as site_id, jsonb_build_object('user_id', user_id) as details from ended),
    audited as (${auditFrom(who, "logout", "entry")})
    select count(*)::int as n from ended`);
  return rows[0].n;
}

/** Ends every session of a user (logout everywhere, or an owner's action); answers how many. */
export async function revokeUserSessions(db: Database, userId: string, who: AuditActor): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with ended as (
      update sessions set revoked_at = now() where user_id = ${userId} and revoked_at is null returning 1
    ),
    entry as (select null::text as site_id, jsonb_build_object('user_id', ${userId}::text, 'sessions', (select count(*) from ended)) as details),
    audited as (${auditFrom(who, "sessions_revoked", "entry")})
    select count(*)::int as n from ended`);
  return rows[0].n;
}

/** The user id of a live session (for logout everywhere). */
export async function sessionUser(db: Database, tokenHash: string): Promise<{ userId: string; email: string } | undefined> {
  const { rows } = await db.execute<{ user_id: string; email: string }>(sql`
    with ${liveSession(tokenHash)}
    select u.user_id, u.email from cur join users u on u.user_id = cur.user_id`);
  return rows[0] && { userId: rows[0].user_id, email: rows[0].email };
}

/** Drops sessions that can no longer be used (past expiry, or revoked a day ago). */
export async function purgeSessions(db: Database): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    with gone as (
      delete from sessions
       where expires_at < now() or revoked_at < now() - interval '1 day'
          or last_seen_at < now() - make_interval(secs => ${SESSION_IDLE_SECONDS}) - interval '1 day'
      returning 1
    ) select count(*)::int as n from gone`);
  return rows[0].n;
}
