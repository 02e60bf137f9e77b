// Connection settings shared by the Node scripts: DATABASE_URL when given (Neon or any Postgres),
// otherwise the embedded Postgres under .data/ that `npm run dev` uses.
import { startLocalStack, type LocalStack } from "../../db/local/stack";

export const DEV_DATABASE = "productivity";
export const DEV_PG_PORT = Number(process.env.WPD_PG_PORT ?? 54329);
export const DEV_PROXY_PORT = Number(process.env.WPD_PROXY_PORT ?? 54330);

export function openProjectDatabase(log?: (line: string) => void): Promise<LocalStack> {
  const url = process.env.DATABASE_URL;
  return startLocalStack({
    databaseUrl: url,
    // A given DATABASE_URL is used as it is; only the embedded server gets our database created.
    database: url ? decodeURIComponent(new URL(url).pathname.slice(1)) || "postgres" : DEV_DATABASE,
    pgPort: DEV_PG_PORT,
    proxyPort: DEV_PROXY_PORT,
    log,
  });
}
