import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

// Postgres text and jsonb hold neither NUL characters nor unpaired UTF-16 surrogates (which have
// no UTF-8 form). Sent on to the database they fail the statement, which would surface as a 500.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const isStorableText = (s: string) => !UNSTORABLE.test(s);

/**
 * Cheap pre-check on JSON text (as JSON.stringify writes it: NUL and lone surrogates escaped):
 * false means no string in it can hold such a character; true may be a false alarm (an escaped
 * backslash followed by "u0000"), to be settled by unstorablePath.
 */
export const mayHoldUnstorable = (json: string) => json.includes("\\u0000") || /\\ud[89a-f]/i.test(json);

/** The path of the first string (or object key) in a JSON value that Postgres cannot store. */
export function unstorablePath(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorablePath(value[i], path ? `${path}.${i}` : String(i));
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (!isStorableText(k)) return p;
      const bad = unstorablePath(v, p);
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

export const unstorableError = (path: string) =>
  new ApiError(400, "invalid_characters", "Text may not contain NUL characters or unpaired UTF-16 surrogates.", [
    { path, message: "contains a NUL character or an unpaired surrogate" },
  ]);

/** Refuses such characters in the URL path and query, which name sites, workers and workstations. */
export const requireStorableUrl = createMiddleware<AppEnv>(async (c, next) => {
  if (!isStorableText(c.req.path)) throw unstorableError("path");
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (!isStorableText(name) || values.some((v) => !isStorableText(v))) throw unstorableError(name);
  }
  await next();
});
