// The local database stack shared by `npm run dev`, the test setup and the benchmarks: an embedded
// Postgres (unless DATABASE_URL names one), the WebSocket proxy the Neon driver needs to reach a
// plain Postgres, and the application database with migrations applied.
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { connect, type Connection } from "../client";
import { applyMigrations } from "../migrate";
import { migrations } from "../migrations.generated";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { startWsProxy } from "./ws-proxy";

export type LocalStack = {
  databaseUrl: string;
  /** host:port of the WebSocket proxy, or undefined when DATABASE_URL is a Neon database. */
  localProxy?: string;
  embedded: boolean;
  /** The embedded cluster's files, when embedded. */
  dataDir?: string;
  connect: () => Promise<Connection>;
  /** Another database on the same server, created and migrated (anew when fresh); returns its URL. */
  ensureDatabase: (database: string, fresh?: boolean) => Promise<string>;
  stop: () => Promise<void>;
};

export const defaultDataDir = fileURLToPath(new URL("../../.data/", import.meta.url));

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalStack(opts: {
  /** Use this database instead of starting an embedded one. */
  databaseUrl?: string;
  /** Database to create (if missing) on the server and use. */
  database: string;
  dataDir?: string;
  pgPort?: number;
  proxyPort?: number;
  /** Drop and recreate the database first (tests). */
  fresh?: boolean;
  /**
   * Leave nothing behind when the stack stops: the embedded cluster's files, or on a server given by
   * databaseUrl (the shared Postgres of CI and development machines) the databases it created.
   */
  ephemeral?: boolean;
  /** An embedded server that survives a machine crash intact (default); tests and benchmarks turn it off. */
  durable?: boolean;
  log?: (line: string) => void;
}): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    let serverUrl: URL;
    let dataDir: string | undefined;
    if (opts.databaseUrl) {
      serverUrl = new URL(opts.databaseUrl);
    } else {
      const port = opts.pgPort ?? (await freePort());
      const pg = await startEmbeddedPostgres({
        dataDir: `${opts.dataDir ?? defaultDataDir}pg`,
        port,
        removeOnStop: opts.ephemeral,
        durable: opts.durable ?? true,
        log: opts.log,
      });
      stops.push(pg.stop);
      dataDir = pg.dataDir;
      serverUrl = new URL(`postgres://${pg.user}:${pg.password}@127.0.0.1:${port}/postgres`);
    }

    let localProxy: string | undefined;
    if (isLocalUrl(serverUrl.href)) {
      const proxy = await startWsProxy({ port: opts.proxyPort });
      stops.push(proxy.close);
      localProxy = proxy.address;
    }

    const connectTo = (url: string) => connect({ databaseUrl: url, localProxy, webSocket: WebSocket });
    const urlFor = (database: string) => {
      const url = new URL(serverUrl.href);
      url.pathname = `/${database}`;
      return url.href;
    };
    const quote = (database: string) => `"${database.replace(/"/g, '""')}"`;
    const asAdmin = async (work: (admin: Connection) => Promise<void>) => {
      const admin = await connectTo(urlFor("postgres"));
      try {
        await work(admin);
      } finally {
        await admin.close();
      }
    };
    const dropDatabase = (database: string) =>
      asAdmin(async (admin) => {
        await admin.client.query(`drop database if exists ${quote(database)} with (force)`);
      });
    /** Creates the database on the server if needed (or anew when fresh) and migrates it. */
    const ensureDatabase = async (database: string, fresh = false) => {
      if (!opts.databaseUrl || fresh || serverUrl.pathname !== `/${database}`) {
        if (fresh) await dropDatabase(database);
        await asAdmin(async (admin) => {
          const exists = await admin.client.query("select 1 from pg_database where datname = $1", [database]);
          if (exists.rowCount === 0) {
            await admin.client.query(`create database ${quote(database)}`);
            if (opts.databaseUrl && opts.ephemeral) stops.push(() => dropDatabase(database));
          }
        });
      }
      const conn = await connectTo(urlFor(database));
      try {
        const applied = await applyMigrations(conn.db, migrations);
        if (applied.length) opts.log?.(`applied migrations: ${applied.join(", ")}`);
      } finally {
        await conn.close();
      }
      return urlFor(database);
    };

    const databaseUrl = await ensureDatabase(opts.database, opts.fresh);

    return {
      databaseUrl,
      localProxy,
      embedded: !opts.databaseUrl,
      dataDir,
      connect: () => connectTo(databaseUrl),
      ensureDatabase,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
