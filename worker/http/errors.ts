import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { driverError, isConnectionError } from "../../db/client";
import type { AppEnv } from "../env";

export type ErrorDetail = { path: string; message: string };

/** An error the client can act on; the single error handler renders it as the JSON envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A Standard Schema issue (what zod reports through the validator): a path segment may be a `{key}`. */
export type SchemaIssue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };

/** Issues as `{path, message}` with dotted paths such as `3.timestamp` for bulk bodies. */
export function issueDetails(issues: readonly SchemaIssue[]): ErrorDetail[] {
  return issues.map((i) => ({
    path: (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".") || "(body)",
    message: i.message,
  }));
}

export function errorBody(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } };
}

export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    // Hono raises these for bodies it cannot parse and for body limits.
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "payload_too_large" : status === 400 ? "invalid_json" : "http_error";
    return c.json(errorBody(code, err.message || "request rejected"), status);
  }
  if (isConnectionError(err)) {
    // Nothing was stored: every write is one statement, and a statement cut short rolls back.
    logError(c, err, "database unavailable");
    return c.json(
      errorBody("database_unavailable", "The database is unreachable; nothing was stored. Retry later."),
      503,
      { "Retry-After": "5" },
    );
  }
  logError(c, err, "unhandled error");
  c.get("sentry")?.captureException(err);
  return c.json(errorBody("internal_error", "Something went wrong on our side; the request id identifies it.", [
    { path: "request_id", message: c.get("requestId") ?? "" },
  ]), 500);
}

function logError(c: Context<AppEnv>, err: unknown, msg: string) {
  // The driver's own message: drizzle's wrapper quotes the statement with every parameter (a whole
  // batch of events, the key hash), which does not belong in a log line.
  const cause = driverError(err);
  console.error(
    JSON.stringify({
      level: "error",
      msg,
      request_id: c.get("requestId"),
      error: cause instanceof Error ? cause.message : String(cause),
    }),
  );
}

// These routes exist only to refuse: the API description leaves them out (its test asks).
const refusals = new WeakSet<object>();

/** A handler for the methods a path does not take: 405 with the ones it does in `Allow`. */
export const methodNotAllowed = (...allowed: string[]) => {
  const refuse = (c: Context<AppEnv>): never => {
    throw new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}.`, [], {
      Allow: allowed.join(", "),
    });
  };
  refusals.add(refuse);
  return refuse;
};

/** Whether a route handler is a methodNotAllowed() one. */
export const refusesMethod = (handler: unknown): boolean => typeof handler === "function" && refusals.has(handler);

export function notFound(c: Context<AppEnv>): Response {
  return c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
}
