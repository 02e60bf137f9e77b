// The operations a Hono app answers, each with every handler that runs for it, for tests that hold
// the API description against the routes themselves.
import type { Env, Hono, Schema } from "hono";
import { findTargetHandler } from "hono/utils/handler";
import type { z } from "zod";
import { refusesMethod } from "../worker/http/errors";

export type RouteOperation = {
  method: string;
  /** Hono's path, `:id` for a parameter. */
  path: string;
  /** The same path as OpenAPI writes it, `{id}`. */
  openApiPath: string;
  /** Middleware mounted with use() first, then the route's own handlers, in the order they run. */
  handlers: unknown[];
};

/** `/api/x/*` covers `/api/x` and everything under it. */
const covers = (pattern: string, path: string) =>
  pattern.endsWith("/*") ? path === pattern.slice(0, -2) || path.startsWith(pattern.slice(0, -1)) : pattern === path;

/**
 * Every method and path of the app with a handler, leaving out middleware-only entries (method
 * ALL, from use()) and the routes that only answer 405.
 */
export function operationsOf<E extends Env, S extends Schema, P extends string>(app: Hono<E, S, P>): RouteOperation[] {
  const routes = app.routes.map((r) => ({ method: r.method, path: r.path, handler: findTargetHandler(r.handler) as unknown }));
  const ops = new Map<string, RouteOperation>();
  for (const r of routes) {
    if (r.method === "ALL" || refusesMethod(r.handler)) continue;
    const key = `${r.method} ${r.path}`;
    if (ops.has(key)) continue;
    const handlers = routes
      .filter((o) => (o.method === r.method && o.path === r.path) || (o.method === "ALL" && covers(o.path, r.path)))
      .map((o) => o.handler);
    ops.set(key, { method: r.method, path: r.path, openApiPath: r.path.replace(/:(\w+)/g, "{$1}"), handlers });
  }
  return [...ops.values()];
}

type Def = { type: string; shape?: Record<string, unknown>; left?: z.ZodType; right?: z.ZodType; in?: z.ZodType };

/** The keys a query or path schema reads: the fields of its objects, through intersections and transforms. */
export function schemaKeys(schema: z.ZodType): string[] {
  const def = schema.def as unknown as Def;
  if (def.type === "object") return Object.keys(def.shape!);
  if (def.type === "intersection") return [...new Set([...schemaKeys(def.left!), ...schemaKeys(def.right!)])];
  if (def.type === "pipe") return schemaKeys(def.in!);
  throw new Error(`schemaKeys: a ${def.type} schema has no fixed keys`);
}
