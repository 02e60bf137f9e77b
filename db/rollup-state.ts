import { sql } from "drizzle-orm";
import type { Database } from "./client";

export async function builtUntil(db: Database, siteId: string): Promise<Date | undefined> {
  const { rows } = await db.execute<{ built_until: Date | string }>(
    sql`select built_until from rollup_state where site_id = ${siteId}`,
  );
  return rows[0] ? new Date(rows[0].built_until) : undefined;
}

/**
 * Runs `build` inside a transaction that holds the site row FOR UPDATE, then moves the watermark.
 * Ingest takes the same row FOR SHARE, so no batch can slip into a built hour unnoticed: it either
 * committed before (and is in the build) or waits and then sees the new watermark.
 * The connection is one client, so BEGIN/COMMIT wrap exactly these statements.
 */
export async function withSiteLockedForRollups<T>(
  db: Database,
  siteId: string,
  build: (state: { builtUntil?: Date; firstEventAt?: Date }) => Promise<{ result: T; builtUntil?: Date }>,
): Promise<T | null> {
  await db.execute(sql`begin`);
  try {
    const { rows } = await db.execute<{ built_until: Date | string | null; first_ts: Date | string | null }>(sql`
      select r.built_until,
             -- only needed before the first build; a correlated subplan in CASE is evaluated lazily
             case when r.built_until is null then (select min(ts) from events e where e.site_id = s.site_id) end as first_ts
      from sites s left join rollup_state r on r.site_id = s.site_id
      where s.site_id = ${siteId}
      for update of s
    `);
    const row = rows[0];
    if (!row) {
      // The site was deleted (maybe while this waited for its row): nothing to build or record.
      await db.execute(sql`commit`);
      return null;
    }
    const { result, builtUntil: next } = await build({
      builtUntil: row?.built_until ? new Date(row.built_until) : undefined,
      firstEventAt: row?.first_ts ? new Date(row.first_ts) : undefined,
    });
    if (next) {
      await db.execute(sql`
        insert into rollup_state (site_id, built_until, updated_at) values (${siteId}, ${next.toISOString()}::timestamptz, now())
        on conflict (site_id) do update set built_until = excluded.built_until, updated_at = now()
      `);
    }
    await db.execute(sql`commit`);
    return result;
  } catch (err) {
    await db.execute(sql`rollback`).catch(() => {});
    throw err;
  }
}
