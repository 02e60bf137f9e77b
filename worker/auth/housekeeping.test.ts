// The cron's clean-up of the audit log (kept AUDIT_RETENTION_DAYS) and of sessions that can no
// longer be used, on the run's isolated database (it deletes across every site).
import { describe, expect, it } from "vitest";
import { connect } from "../../db/client";
import { isolatedEnv, query } from "../../test/helpers";
import { purgeExpired } from "./housekeeping";

describe("housekeeping", () => {
  it("deletes audit entries past the retention and dead sessions, and keeps the rest", async () => {
    const env = isolatedEnv();
    const tag = `hk-${Date.now()}`;
    await query(
      `insert into admin_audit_log (actor, action, at, details) values
         ($1, 'login', now() - interval '31 days', '{}'), ($1, 'login', now() - interval '29 days', '{}')`,
      [tag],
      env,
    );
    const [{ user_id }] = await query<{ user_id: string }>(
      "insert into users (email, name, status) values ($1, 'HK', 'active') returning user_id",
      [`${tag}@example.test`],
      env,
    );
    await query(
      `insert into sessions (token_hash, user_id, expires_at, last_seen_at, revoked_at, method) values
         ($2 || '-live', $1, now() + interval '1 day', now(), null, 'password'),
         ($2 || '-expired', $1, now() - interval '1 second', now(), null, 'password'),
         ($2 || '-revoked', $1, now() + interval '1 day', now(), now() - interval '2 days', 'password'),
         ($2 || '-idle', $1, now() + interval '6 days', now() - interval '2 days', null, 'password')`,
      [user_id, tag],
      env,
    );
    const conn = await connect({ databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY });
    try {
      const done = await purgeExpired(conn.db, { AUDIT_RETENTION_DAYS: "30" });
      expect(done.audit_entries_purged).toBeGreaterThanOrEqual(1);
    } finally {
      await conn.close();
    }
    const left = await query<{ n: number }>("select count(*)::int as n from admin_audit_log where actor = $1", [tag], env);
    expect(left[0].n).toBe(1);
    const sessions = await query<{ token_hash: string }>("select token_hash from sessions where user_id = $1", [user_id], env);
    expect(sessions.map((s) => s.token_hash)).toEqual([`${tag}-live`]);
  });
});
