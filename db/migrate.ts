import { sql } from "drizzle-orm";
import type { Database } from "./client";

export type BundledMigration = {
  tag: string;
  folderMillis: number;
  hash: string;
  statements: string[];
};

// Arbitrary constant: serialises concurrent migrators (two dev servers, setup-db racing a deploy).
const MIGRATION_LOCK_KEY = 7_401_355_021;

/**
 * Applies the migrations not yet recorded in drizzle.__drizzle_migrations, in one transaction.
 * Uses drizzle's own bookkeeping table so `drizzle-kit migrate` and this agree on what ran.
 */
export async function applyMigrations(db: Database, migrations: BundledMigration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(sql`create schema if not exists drizzle`);
    await tx.execute(sql`
      create table if not exists drizzle.__drizzle_migrations (
        id serial primary key, hash text not null, created_at bigint
      )`);
    const last = await tx.execute<{ created_at: string | null }>(
      sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`,
    );
    const lastMillis = Number(last.rows[0]?.created_at ?? 0);
    const applied: string[] = [];
    for (const m of migrations) {
      if (m.folderMillis <= lastMillis) continue;
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${m.hash}, ${m.folderMillis})`,
      );
      applied.push(m.tag);
    }
    return applied;
  });
}
