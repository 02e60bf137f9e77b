// Connection settings shared by the Node scripts: DATABASE_URL when given (Neon or any Postgres),
// otherwise the embedded Postgres under .data/ that `npm run dev` uses.
import { isLocalUrl, startLocalStack, type LocalStack } from "../../db/local/stack";

export const DEV_DATABASE = "productivity";
export const DEV_PG_PORT = Number(process.env.WPD_PG_PORT ?? 54329);
export const DEV_PROXY_PORT = Number(process.env.WPD_PROXY_PORT ?? 54330);

/**
 * The demo site's ingest key on a database of this machine (printed by `npm run dev`, used in the
 * README). A database elsewhere never gets a well-known key: its demo site gets a random one.
 */
export const LOCAL_DEMO_SITE_KEY = "demo-site-key";

export function demoSiteKey(stack: LocalStack): string | undefined {
  return process.env.DEMO_SITE_KEY ?? (isOnThisMachine(stack) ? LOCAL_DEMO_SITE_KEY : undefined);
}

export const isOnThisMachine = (stack: LocalStack) => stack.embedded || isLocalUrl(stack.databaseUrl);

export function openProjectDatabase(log?: (line: string) => void, opts: { requireUrl?: boolean } = {}): Promise<LocalStack> {
  const url = process.env.DATABASE_URL;
  if (opts.requireUrl && !url) {
    // Deploying without it would migrate the embedded database and publish a worker against an
    // unmigrated one.
    throw new Error("DATABASE_URL is not set: export your Neon connection string first (see README, Deploy).");
  }
  return startLocalStack({
    databaseUrl: url,
    // A given DATABASE_URL is used as it is; only the embedded server gets our database created.
    database: url ? decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres" : DEV_DATABASE,
    pgPort: DEV_PG_PORT,
    proxyPort: DEV_PROXY_PORT,
    log,
  });
}
