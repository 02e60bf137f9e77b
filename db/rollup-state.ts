import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client";
import { ROLLUP_FORMAT } from "./metrics/parts";

/** A site row's rollup watermark in SQL (alias `s`): null unless its hours are of this code's format. */
export const watermarkOf = (alias: string): SQL =>
  sql.raw(`case when ${alias}.rollups_format = ${ROLLUP_FORMAT} then ${alias}.rollups_built_until end`);

export async function builtUntil(db: Database, siteId: string): Promise<Date | undefined> {
  const { rows } = await db.execute<{ built_until: Date | string | null }>(
    sql`select ${watermarkOf("s")} as built_until from sites s where s.site_id = ${siteId}`,
  );
  return rows[0]?.built_until ? new Date(rows[0].built_until) : undefined;
}

/**
 * Runs `build` inside a transaction that holds the site row FOR UPDATE, then moves the watermark.
 * Ingest takes the same row FOR SHARE, so no batch can slip into a built hour unnoticed: it either
 * committed before (and is in the build) or waits, and then reads the watermark from the row
 * version the build committed (a locked row is re-read after the wait; the statement's snapshot
 * is not, which is why the watermark lives on this row).
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
      select w.built_until,
             -- only needed before the first build; a correlated subplan in CASE is evaluated lazily
             case when w.built_until is null then (select min(ts) from events e where e.site_id = s.site_id) end as first_ts
      from sites s cross join lateral (select ${watermarkOf("s")} as built_until) w
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
        update sites set rollups_built_until = ${next.toISOString()}::timestamptz, rollups_format = ${ROLLUP_FORMAT}
        where site_id = ${siteId}
      `);
    }
    await db.execute(sql`commit`);
    return result;
  } catch (err) {
    await db.execute(sql`rollback`).catch(() => {});
    throw err;
  }
}
