import { Toucan } from "toucan-js";
import { errorBody } from "../http/errors";
import { requestIdOf } from "../http/request-context";
import { bindingsSchema } from "./bindings";
import type { MisconfiguredError } from "./check";

const reported = new WeakSet<object>();

/**
 * Sentry hears of it once per env object, when SENTRY_DSN itself is sound: a misconfigured deploy
 * answers every request 500 without throwing, so nothing else would report it.
 */
function reportOnce(env: object, problem: MisconfiguredError, request: Request, ctx: ExecutionContext): void {
  if (reported.has(env)) return;
  reported.add(env);
  const { SENTRY_DSN, ENVIRONMENT } = env as Record<string, unknown>;
  const dsn = bindingsSchema.shape.SENTRY_DSN.safeParse(SENTRY_DSN);
  if (!dsn.success || !dsn.data) return;
  const environment = bindingsSchema.shape.ENVIRONMENT.safeParse(ENVIRONMENT);
  new Toucan({ dsn: dsn.data, context: ctx, request, environment: environment.data }).captureException(problem);
}

/** The fetch handler's answer while the bindings are wrong: 500 `misconfigured`, naming them. */
export function misconfiguredResponse(request: Request, env: unknown, ctx: ExecutionContext, problem: MisconfiguredError): Response {
  if (typeof env === "object" && env !== null) reportOnce(env, problem, request, ctx);
  return Response.json(errorBody("misconfigured", problem.message, problem.details), {
    status: 500,
    headers: { "X-Request-Id": requestIdOf(request) },
  });
}
