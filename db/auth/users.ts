// Users and their site grants. Every change records its audit entry in the same statement.
import { sql } from "drizzle-orm";
import type { SiteRole, User } from "../../contract/auth";
import { auditFrom, type AuditActor } from "../audit";
import type { Database } from "../client";
import { isoUtc } from "../sql-time";

/** A users row `u` as the API answers it (contract/auth.ts `User`), grants included. */
const userJson = sql`json_build_object(
  'id', u.user_id, 'email', u.email, 'name', u.name, 'status', u.status, 'owner', u.owner,
  'created_at', ${isoUtc(sql`u.created_at`)},
  'last_login_at', case when u.last_login_at is null then null else ${isoUtc(sql`u.last_login_at`)} end,
  'sites', coalesce((select json_agg(json_build_object('site_id', g.site_id, 'role', g.role, 'worker_detail', g.worker_detail)
                                     order by g.site_id)
                       from user_sites g where g.user_id = u.user_id), '[]'::json))`;

export async function listUsers(db: Database): Promise<User[]> {
  const { rows } = await db.execute<{ user: User }>(sql`select ${userJson} as "user" from users u order by u.email`);
  return rows.map((r) => r.user);
}

export async function getUser(db: Database, userId: string): Promise<User | undefined> {
  const { rows } = await db.execute<{ user: User }>(sql`select ${userJson} as "user" from users u where u.user_id = ${userId}`);
  return rows[0]?.user;
}

export type NewUser = { email: string; name: string; owner: boolean; passwordHash?: string };

/**
 * Creates a user: `invited` without a password, `active` with one (the command line and the demo
 * set one directly). Undefined when the email is taken.
 */
export async function createUser(db: Database, u: NewUser, who: AuditActor): Promise<User | undefined> {
  const { rows } = await db.execute<{ user_id: string }>(sql`
    with created as (
      insert into users (email, name, owner, password_hash, status)
      values (${u.email}, ${u.name}, ${u.owner}, ${u.passwordHash ?? null}, ${u.passwordHash ? "active" : "invited"})
      on conflict (email) do nothing
      returning user_id, null::text as site_id,
                jsonb_build_object('user_id', user_id, 'email', email, 'owner', owner, 'status', status) as details
    ), audited as (${auditFrom(who, "user_created", "created")})
    select user_id from created`);
  return rows[0] ? getUser(db, rows[0].user_id) : undefined;
}

export type UserChange = { name?: string; status?: "active" | "disabled"; owner?: boolean };

/**
 * Changes name, status or owner flag. Disabling ends every session of the user and uses up their
 * links in the same statement. Enabling an invited user (no password yet) keeps it invited. The
 * last active owner is neither disabled nor demoted (`lastOwner`): the active owners' rows are
 * locked first, so two such changes at once cannot both pass.
 */
export async function updateUser(
  db: Database,
  userId: string,
  change: UserChange,
  who: AuditActor,
): Promise<{ user?: User; lastOwner: boolean }> {
  const removesOwner = change.status === "disabled" || change.owner === false;
  const { rows } = await db.execute<{ user_id: string | null; last_owner: boolean }>(sql`
    with owners as (select user_id from users where owner and status = 'active' order by user_id for update),
    prev as (select * from users where user_id = ${userId} for update),
    refused as (
      select 1 from prev
       where ${removesOwner} and prev.owner and prev.status = 'active' and (select count(*) from owners) <= 1
    ),
    changed as (
      update users u set
        name = coalesce(${change.name ?? null}::text, u.name),
        owner = coalesce(${change.owner ?? null}::boolean, u.owner),
        status = case
          when ${change.status ?? null}::text = 'disabled' then 'disabled'
          when ${change.status ?? null}::text = 'active' then case when u.password_hash is null then 'invited' else 'active' end
          else u.status end
      from prev where u.user_id = prev.user_id and not exists (select 1 from refused)
      returning u.user_id, u.status, null::text as site_id,
                jsonb_build_object('user_id', u.user_id, 'email', u.email, 'change', ${JSON.stringify(change)}::jsonb) as details
    ),
    ended as (
      update sessions s set revoked_at = now()
      from changed where s.user_id = changed.user_id and changed.status = 'disabled' and s.revoked_at is null
      returning 1
    ),
    links as (
      update auth_links l set used_at = now()
      from changed where l.user_id = changed.user_id and changed.status = 'disabled' and l.used_at is null
      returning 1
    ),
    audited as (${auditFrom(who, "user_changed", "changed")})
    select (select user_id from changed) as user_id, exists (select 1 from refused) as last_owner`);
  const row = rows[0];
  if (row.last_owner) return { lastOwner: true };
  return { user: row.user_id ? await getUser(db, userId) : undefined, lastOwner: false };
}

/** Makes an invited user active (their first sign-in through Cloudflare Access, which needs no password). */
export async function activateInvited(db: Database, userId: string, who: AuditActor): Promise<void> {
  await db.execute(sql`
    with changed as (
      update users set status = 'active' where user_id = ${userId} and status = 'invited'
      returning user_id, null::text as site_id,
                jsonb_build_object('user_id', user_id, 'email', email, 'change', jsonb_build_object('status', 'active'), 'via', 'access') as details
    ),
    links as (update auth_links l set used_at = now() from changed where l.user_id = changed.user_id and l.used_at is null returning 1),
    audited as (${auditFrom(who, "user_changed", "changed")})
    select 1`);
}

/** Grants (or changes) a role on a site. Undefined when the user or the site does not exist. */
export async function grantSite(
  db: Database,
  userId: string,
  siteId: string,
  grant: { role: SiteRole; workerDetail: boolean },
  who: AuditActor,
): Promise<User | undefined> {
  const { rows } = await db.execute<{ user_id: string }>(sql`
    with granted as (
      insert into user_sites (user_id, site_id, role, worker_detail)
      select u.user_id, s.site_id, ${grant.role}, ${grant.workerDetail}
        from users u, sites s where u.user_id = ${userId} and s.site_id = ${siteId}
      on conflict (user_id, site_id) do update set role = excluded.role, worker_detail = excluded.worker_detail, granted_at = now()
      returning user_id, site_id,
                jsonb_build_object('user_id', user_id, 'role', role, 'worker_detail', worker_detail) as details
    ), audited as (${auditFrom(who, "site_granted", "granted")})
    select user_id from granted`);
  return rows[0] ? getUser(db, userId) : undefined;
}

/** Takes a site away; undefined when the user does not exist (no grant to remove is fine). */
export async function revokeSite(db: Database, userId: string, siteId: string, who: AuditActor): Promise<User | undefined> {
  await db.execute(sql`
    with removed as (
      delete from user_sites where user_id = ${userId} and site_id = ${siteId}
      returning site_id, jsonb_build_object('user_id', user_id, 'role', role) as details
    ), audited as (${auditFrom(who, "site_grant_revoked", "removed")})
    select 1`);
  return getUser(db, userId);
}

/** The fields login needs, by email (lower-cased by the caller's schema). */
export async function userForLogin(db: Database, email: string) {
  const { rows } = await db.execute<{ user_id: string; email: string; status: string; password_hash: string | null }>(sql`
    select user_id, email, status, password_hash from users where email = ${email}`);
  return rows[0];
}

export async function userByEmail(db: Database, email: string): Promise<User | undefined> {
  const { rows } = await db.execute<{ user: User }>(sql`select ${userJson} as "user" from users u where u.email = ${email}`);
  return rows[0]?.user;
}

/** Replaces a password hash (a rehash at login with stronger parameters). */
export async function replacePasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db.execute(sql`update users set password_hash = ${passwordHash} where user_id = ${userId}`);
}

/** Sets a password directly (the command line's reset), ending the user's sessions. */
export async function setPassword(db: Database, userId: string, passwordHash: string, who: AuditActor): Promise<boolean> {
  const { rows } = await db.execute<{ user_id: string }>(sql`
    with changed as (
      update users set password_hash = ${passwordHash},
                       status = case when status = 'disabled' then 'disabled' else 'active' end
       where user_id = ${userId}
      returning user_id, null::text as site_id, jsonb_build_object('user_id', user_id, 'email', email, 'via', 'direct') as details
    ),
    ended as (update sessions s set revoked_at = now() from changed where s.user_id = changed.user_id and s.revoked_at is null returning 1),
    links as (update auth_links l set used_at = now() from changed where l.user_id = changed.user_id and l.used_at is null returning 1),
    audited as (${auditFrom(who, "password_set", "changed")})
    select user_id from changed`);
  return rows.length > 0;
}

