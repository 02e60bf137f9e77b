import { createMiddleware } from "hono/factory";
import { Toucan } from "toucan-js";
import { connect, driverError, type Connection } from "../../db/client";
import type { AppEnv } from "../env";

/** Cloudflare's ray id when there is one, so the worker's logs and Cloudflare's name the same request. */
export const requestIdOf = (req: Request): string => req.headers.get("cf-ray") ?? crypto.randomUUID();

/**
 * Per request: an id (echoed as X-Request-Id), Sentry when configured, a lazily opened database
 * connection that is closed after the response, and one structured log line.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const requestId = requestIdOf(c.req.raw);
  c.set("requestId", requestId);
  if (c.env.SENTRY_DSN) {
    const sentry = new Toucan({
      dsn: c.env.SENTRY_DSN,
      context: c.executionCtx,
      request: c.req.raw,
      environment: c.env.ENVIRONMENT,
    });
    sentry.setTag("request_id", requestId);
    c.set("sentry", sentry);
  }

  let connection: Promise<Connection> | undefined;
  c.set("db", () => {
    connection ??= connect({ databaseUrl: c.env.DATABASE_URL, localProxy: c.env.NEON_LOCAL_PROXY });
    return connection;
  });
  const deferred: Promise<void>[] = [];
  c.set("defer", (what, task) => {
    deferred.push(
      task.then(
        () => {},
        (err) =>
          console.error(JSON.stringify({ level: "warn", msg: `${what} failed`, request_id: requestId, error: String(driverError(err)) })),
      ),
    );
  });

  try {
    await next();
  } finally {
    if (connection) {
      const open = connection;
      // Deferred work runs on this connection, so it is closed only after that work is done.
      const closing = Promise.all(deferred).then(() => open).then((conn) => conn.close()).catch(() => {});
      c.executionCtx.waitUntil(closing);
    } else if (deferred.length) {
      c.executionCtx.waitUntil(Promise.all(deferred));
    }
    c.header("X-Request-Id", requestId);
    // The worker's own time, apart from the network and any proxy in front of it (benchmarks read it).
    c.header("Server-Timing", `app;dur=${Date.now() - started}`);
    console.log(
      JSON.stringify({
        level: "info",
        msg: "request",
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Date.now() - started,
        site_id: c.get("siteId"),
      }),
    );
  }
});
