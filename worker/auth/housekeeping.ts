import { DEFAULT_AUDIT_RETENTION_DAYS } from "../../contract/constants";
import { purgeAuditLog } from "../../db/audit";
import { purgeSessions } from "../../db/auth/sessions";
import type { Database } from "../../db/client";
import type { Bindings } from "../config/bindings";

/** The cron's clean-up: audit entries past their retention, sessions that can no longer be used. */
export async function purgeExpired(db: Database, env: Pick<Bindings, "AUDIT_RETENTION_DAYS">) {
  const days = env.AUDIT_RETENTION_DAYS ? Number(env.AUDIT_RETENTION_DAYS) : DEFAULT_AUDIT_RETENTION_DAYS;
  return { audit_entries_purged: await purgeAuditLog(db, days), sessions_purged: await purgeSessions(db) };
}
