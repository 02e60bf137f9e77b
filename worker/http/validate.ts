import { validator } from "hono-openapi";
import { createMiddleware } from "hono/factory";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { ApiError, issueDetails } from "./errors";

export type Validation = { target: keyof ValidationTargets; schema: z.ZodType };

// The schema each validating middleware checks: the API description is derived from the same
// schemas, and worker/openapi's test compares the two through this.
const validations = new WeakMap<object, Validation>();

/** What a route handler validates, if it is a `validate()` middleware. */
export const validationOf = (handler: unknown): Validation | undefined =>
  typeof handler === "function" ? validations.get(handler) : undefined;

/**
 * Validates `target` with a zod schema, which also describes the parameter or body in the OpenAPI
 * document (hono-openapi reads it from the middleware). Failures are the JSON error envelope with
 * every failing field path.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) => {
  const middleware = validator(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError(400, "validation_failed", `Invalid ${target}: ${result.error.length} problem(s)`, issueDetails(result.error));
    }
  });
  validations.set(middleware, { target, schema });
  return middleware;
};

/** The json validator silently sees `{}` for other content types; say what is wrong instead. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  await next();
});

/**
 * Parses a JSON body once for the whole request. HonoRequest.json() parses the cached text again
 * on every call, and ingest reads its body three times (size check, validation, raw_json): for a
 * 1 MB batch that was a tenth of the worker's CPU. Every later call gets the same parse (or the
 * same rejection for malformed JSON, which the validator turns into a 400).
 */
export const parseJsonOnce = createMiddleware<AppEnv>(async (c, next) => {
  const parsed: Promise<unknown> = c.req.json();
  parsed.catch(() => {}); // handled by whoever awaits it; not an unhandled rejection meanwhile
  c.req.json = <T>() => parsed as Promise<T>;
  await next();
});
