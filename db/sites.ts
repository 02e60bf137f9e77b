import { eq, sql } from "drizzle-orm";
import type { Database } from "./client";
import { sites } from "./schema";

export type NewSite = { siteId: string; name: string; timeZone: string; maxStateSeconds?: number };

/** Creates the site unless it exists; returns whether this call created it. */
export async function createSite(db: Database, site: NewSite, apiKeyHash: string): Promise<boolean> {
  const created = await db
    .insert(sites)
    .values({ ...site, apiKeyHash })
    .onConflictDoNothing({ target: sites.siteId })
    .returning({ siteId: sites.siteId });
  return created.length > 0;
}

export async function getSite(db: Database, siteId: string) {
  const [row] = await db.select().from(sites).where(eq(sites.siteId, siteId));
  return row;
}

export async function rotateSiteKey(db: Database, siteId: string, apiKeyHash: string): Promise<boolean> {
  const rows = await db
    .update(sites)
    .set({ apiKeyHash, revokedAt: null })
    .where(eq(sites.siteId, siteId))
    .returning({ siteId: sites.siteId });
  return rows.length > 0;
}

export async function listSites(db: Database) {
  return db
    .select({
      siteId: sites.siteId,
      name: sites.name,
      timeZone: sites.timeZone,
      maxStateSeconds: sites.maxStateSeconds,
      createdAt: sites.createdAt,
      revoked: sql<boolean>`${sites.revokedAt} is not null`,
    })
    .from(sites)
    .orderBy(sites.siteId);
}

/** The active site a key belongs to, if any. */
export async function siteForKey(db: Database, apiKeyHash: string) {
  const [row] = await db
    .select()
    .from(sites)
    .where(sql`${sites.apiKeyHash} = ${apiKeyHash} and ${sites.revokedAt} is null`);
  return row;
}
