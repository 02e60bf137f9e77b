// One-time invite and password-reset links: an owner creates one, the user redeems it once to set
// a password. Only the token's SHA-256 is stored.
import { sql } from "drizzle-orm";
import type { OneTimeLink } from "../../contract/auth";
import { INVITE_LINK_SECONDS, RESET_LINK_SECONDS } from "../../contract/constants";
import { auditFrom, type AuditActor } from "../audit";
import type { Database } from "../client";
import { isoUtc } from "../sql-time";

type Purpose = OneTimeLink["purpose"];

/**
 * A new link for the user (undefined for an unknown or disabled user). Every earlier unused link of
 * the user stops working, an invite as well as a reset: only the newest one is valid.
 */
export async function createLink(
  db: Database,
  userId: string,
  purpose: Purpose,
  tokenHash: string,
  who: AuditActor,
): Promise<{ expiresAt: string } | undefined> {
  const seconds = purpose === "invite" ? INVITE_LINK_SECONDS : RESET_LINK_SECONDS;
  const { rows } = await db.execute<{ expires_at: string }>(sql`
    with target as (select user_id, email from users where user_id = ${userId} and status <> 'disabled'),
    -- Whatever their purpose: a user has one usable link at most.
    superseded as (
      update auth_links l set used_at = now() from target
       where l.user_id = target.user_id and l.used_at is null returning 1
    ),
    created as (
      insert into auth_links (token_hash, user_id, purpose, expires_at, created_by)
      select ${tokenHash}, user_id, ${purpose}, now() + make_interval(secs => ${seconds}), ${who.actor} from target
      returning user_id, expires_at
    ),
    entry as (select null::text as site_id,
                     jsonb_build_object('user_id', c.user_id, 'email', t.email, 'purpose', ${purpose}::text) as details
                from created c join target t using (user_id)),
    audited as (${auditFrom(who, "link_created", "entry")})
    select ${isoUtc(sql`expires_at`)} as expires_at from created`);
  return rows[0] && { expiresAt: rows[0].expires_at };
}

const usable = sql`l.used_at is null and l.expires_at > now() and u.status <> 'disabled'`;

/** What a usable link is for (shown on its page); undefined when unknown, used or expired. */
export async function linkInfo(db: Database, tokenHash: string) {
  const { rows } = await db.execute<{ purpose: Purpose; email: string; name: string; expires_at: string }>(sql`
    select l.purpose, u.email, u.name, ${isoUtc(sql`l.expires_at`)} as expires_at
      from auth_links l join users u using (user_id)
     where l.token_hash = ${tokenHash} and ${usable}`);
  return rows[0];
}

/**
 * Uses the link up and sets the password: the user becomes active and every session they had ends
 * (a reset after a stolen session locks the thief out). Undefined when the link is not usable; two
 * redemptions racing see one succeed.
 */
export async function redeemLink(db: Database, tokenHash: string, passwordHash: string, who: Omit<AuditActor, "actor">) {
  const { rows } = await db.execute<{ email: string }>(sql`
    with used as (
      update auth_links l set used_at = now() from users u
       where l.token_hash = ${tokenHash} and u.user_id = l.user_id and ${usable}
      returning l.user_id, l.purpose
    ),
    changed as (
      update users u set password_hash = ${passwordHash}, status = 'active'
        from used where u.user_id = used.user_id
      returning u.user_id, u.email, null::text as site_id,
                jsonb_build_object('user_id', u.user_id, 'email', u.email, 'via', used.purpose) as details
    ),
    ended as (update sessions s set revoked_at = now() from changed where s.user_id = changed.user_id and s.revoked_at is null returning 1),
    -- Any other link of the user (one made before this one was used) is used up too.
    others as (update auth_links l set used_at = now() from changed where l.user_id = changed.user_id and l.used_at is null returning 1),
    -- The user acted, through their link: the entry names them.
    audited as (
      insert into admin_audit_log (actor, action, site_id, request_id, details, ip)
      select 'user:' || email, 'password_set', null, ${who.requestId ?? null}::text, details, ${who.ip ?? null}::text from changed
    )
    select email from changed`);
  return rows[0];
}
