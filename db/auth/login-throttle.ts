// Login throttling reads the audit log: failed logins are recorded there anyway (who, when, from
// where), so the throttle and the record cannot disagree.
import { sql } from "drizzle-orm";
import { LOGIN_THROTTLE_SECONDS } from "../../contract/constants";
import type { Database } from "../client";

/**
 * Failed logins within the throttle window for the email and for the client address, and how many
 * seconds until the oldest of them leaves the window.
 */
export async function recentLoginFailures(db: Database, email: string, ip: string | undefined) {
  const { rows } = await db.execute<{ account: number; address: number; account_retry: number | null; address_retry: number | null }>(sql`
    with recent as (
      select details->>'email' as email, ip, at from admin_audit_log
       where action = 'login_failed' and at > now() - make_interval(secs => ${LOGIN_THROTTLE_SECONDS})
    )
    select count(*) filter (where email = ${email})::int as account,
           count(*) filter (where ip = ${ip ?? null}::text)::int as address,
           ceil(extract(epoch from min(at) filter (where email = ${email}) + make_interval(secs => ${LOGIN_THROTTLE_SECONDS}) - now()))::int as account_retry,
           ceil(extract(epoch from min(at) filter (where ip = ${ip ?? null}::text) + make_interval(secs => ${LOGIN_THROTTLE_SECONDS}) - now()))::int as address_retry
      from recent`);
  const r = rows[0];
  return { account: r.account, address: r.address, accountRetry: r.account_retry ?? 0, addressRetry: r.address_retry ?? 0 };
}
