import { connect } from "../../db/client";
import { query, testEnv } from "../helpers";

/**
 * Database faults on cue, with no timing involved: a test transaction takes row locks, the
 * worker's request blocks on them, and the test then ends that request's session (the database
 * going away mid-request) or only its statement (a query that fails). The blocked backend is found
 * through the lock graph, so requests of other tests running at the same time are never touched.
 */
export async function holdLocks(lockSql: string, params: unknown[]) {
  const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
  await conn.client.query("begin");
  await conn.client.query(lockSql, params);
  const [{ pid: holder }] = (await conn.client.query("select pg_backend_pid() as pid")).rows as { pid: number }[];

  return {
    /** Waits until a backend is blocked behind our locks and returns its pid. */
    async blockedBackend(): Promise<number> {
      for (let i = 0; i < 400; i++) {
        const rows = await query<{ pid: number }>("select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", [holder]);
        if (rows.length === 1) return rows[0].pid;
        if (rows.length > 1) throw new Error(`expected one blocked backend, found ${rows.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("no request blocked on the held locks");
    },
    /** The database drops the session: what a restart, failover or network cut looks like to the worker. */
    terminate: (pid: number) => query("select pg_terminate_backend($1)", [pid]),
    /** The running statement fails, the session survives. */
    cancel: (pid: number) => query("select pg_cancel_backend($1)", [pid]),
    async release() {
      await conn.client.query("rollback").catch(() => {});
      await conn.close();
    },
  };
}
