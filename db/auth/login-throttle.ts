// Login throttling reads the audit log: failed logins are recorded there anyway (who, when, from
// where), so the throttle and the record cannot disagree. An attempt is recorded *before* its
// password is checked (the check takes a few hundred milliseconds), so attempts sent all at once
// count each other rather than all seeing the count from before them.
import { sql } from "drizzle-orm";
import { LOGIN_THROTTLE_SECONDS } from "../../contract/constants";
import type { AuditActor } from "../audit";
import type { Database } from "../client";

export type LoginAttempt = {
  id: number;
  /** Failed logins in the window for the email and for the client address, this attempt included. */
  account: number;
  address: number;
  /** Seconds until the oldest of them leaves the window. */
  accountRetry: number;
  addressRetry: number;
};

/**
 * Records the attempt as a failed login (reason `in_progress`) and counts the recent ones.
 * `address` is the client's address as the bad-key throttle counts it (an IPv6 client by its /64);
 * undefined when the request has none, and then only the account is counted.
 */
export async function beginLoginAttempt(db: Database, who: AuditActor, email: string, address: string | undefined): Promise<LoginAttempt> {
  const window = sql`make_interval(secs => ${LOGIN_THROTTLE_SECONDS})`;
  const { rows } = await db.execute<{ id: number; account: number; address: number; account_retry: number | null; address_retry: number | null }>(sql`
    with attempt as (
      insert into admin_audit_log (actor, action, request_id, ip, details)
      values (${who.actor}, 'login_failed', ${who.requestId ?? null}, ${who.ip ?? null},
              jsonb_build_object('email', ${email}::text, 'address', ${address ?? null}::text, 'reason', 'in_progress'))
      returning id
    ),
    recent as (
      select details->>'email' as email, details->>'address' as address, at from admin_audit_log
       where action = 'login_failed' and at > now() - ${window}
    )
    select (select id from attempt) as id,
           1 + count(*) filter (where email = ${email})::int as account,
           1 + count(*) filter (where address = ${address ?? null}::text)::int as address,
           ceil(extract(epoch from coalesce(min(at) filter (where email = ${email}), now()) + ${window} - now()))::int as account_retry,
           ceil(extract(epoch from coalesce(min(at) filter (where address = ${address ?? null}::text), now()) + ${window} - now()))::int as address_retry
      from recent`);
  const r = rows[0];
  return { id: Number(r.id), account: r.account, address: r.address, accountRetry: r.account_retry ?? 0, addressRetry: r.address_retry ?? 0 };
}

/** The attempt failed: its reason replaces `in_progress`. */
export async function failLoginAttempt(db: Database, id: number, reason: string): Promise<void> {
  await db.execute(sql`update admin_audit_log set details = details || jsonb_build_object('reason', ${reason}::text) where id = ${id}`);
}

/**
 * The attempt is not a failure after all: it succeeded (the session's `login` entry records it), or
 * it was refused by the throttle (recording it would extend the lock for as long as someone kept
 * trying).
 */
export async function dropLoginAttempt(db: Database, id: number): Promise<void> {
  await db.execute(sql`delete from admin_audit_log where id = ${id} and action = 'login_failed'`);
}
