import { Client } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema";

export type Database = NeonDatabase<typeof schema>;

export type DbConfig = {
  databaseUrl: string;
  /** host:port of a local WebSocket-to-TCP proxy (dev and tests); unset for Neon. */
  localProxy?: string;
  /** Node has no global WebSocket before 22; scripts pass the `ws` package. */
  webSocket?: unknown;
};

/** The database could not be reached: callers answer 503 and store nothing. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unreachable: ${describe(cause)}`, { cause });
    this.name = "DatabaseUnavailableError";
  }
}

// A failed WebSocket connect rejects with the socket's ErrorEvent, whose String() says nothing.
function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  const event = cause as { type?: unknown; message?: unknown; error?: unknown } | null;
  if (event && typeof event === "object") {
    const message = typeof event.message === "string" && event.message ? event.message : event.error instanceof Error ? event.error.message : "";
    if (message || typeof event.type === "string") return `WebSocket ${String(event.type ?? "error")}${message ? `: ${message}` : ""}`;
  }
  return String(cause);
}

export type Connection = { db: Database; client: Client; close: () => Promise<void> };

/**
 * Opens one connection for the duration of a request. Workers cannot share sockets across
 * requests, so nothing is pooled at module level.
 */
export async function connect(cfg: DbConfig): Promise<Connection> {
  const client = new Client({ connectionString: cfg.databaseUrl, connectionTimeoutMillis: 5_000 });
  if (cfg.localProxy) {
    const proxy = cfg.localProxy;
    client.neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
    client.neonConfig.useSecureWebSocket = false;
    client.neonConfig.pipelineTLS = false;
    client.neonConfig.pipelineConnect = false;
  }
  if (cfg.webSocket) client.neonConfig.webSocketConstructor = cfg.webSocket as typeof WebSocket;
  // A dropped socket surfaces on the pending query; without a listener it would also crash the isolate.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseUnavailableError(err);
  }
  return {
    db: drizzle(client, { schema }),
    client,
    close: () => client.end().catch(() => {}),
  };
}

const CONNECTION_ERROR_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * The driver's own error. drizzle wraps it ("Failed query: <sql> params: <values>"), and that
 * message quotes the request's data, so it must neither be matched against nor logged.
 */
export function driverError(err: unknown): unknown {
  let e = err;
  // Only Error causes: a failed connect keeps its own message (its cause is a socket event).
  for (let depth = 0; depth < 5 && e instanceof Error && e.cause instanceof Error; depth++) e = e.cause;
  return e;
}

/** True for errors that mean the database went away mid-request rather than rejected the query. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = driverError(err) as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (e.code.startsWith("08") || CONNECTION_ERROR_CODES.has(e.code))) return true;
  return /connection terminated|websocket|ECONNREFUSED|ECONNRESET|socket hang up|Connection ended/i.test(
    e.message ?? "",
  );
}
