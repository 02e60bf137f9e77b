import { Hono, type Env, type Schema } from "hono";
import { z } from "zod";
import { apiDescriptionSchema } from "../../contract/ops";
import type { AppEnv } from "../env";
import { operation, TAGS } from "./describe";
import { openApiDocument } from "./document";
import { DOCS_STYLE, renderDocsPage } from "./docs-page";

// The page runs no script and loads nothing; its one inline stylesheet is allowed by its hash.
let docsPolicy: Promise<string> | undefined;
const contentSecurityPolicy = () =>
  (docsPolicy ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(DOCS_STYLE)).then((digest) => {
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    return `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  }));

/**
 * GET /openapi.json and GET /docs, describing `app` (which mounts them). Public: the description
 * holds no data, only what a client needs to call the API.
 */
export const docsRoutes = <E extends Env, S extends Schema, P extends string>(app: Hono<E, S, P>) =>
  new Hono<AppEnv>()
    .get(
      "/openapi.json",
      operation({ tag: TAGS.docs, summary: "This API's OpenAPI 3.1 description", access: "public", ok: apiDescriptionSchema, database: false }),
      async (c) => c.json(await openApiDocument(app)),
    )
    .get(
      "/docs",
      operation({
        tag: TAGS.docs,
        summary: "This API's reference, as an HTML page rendered from the description",
        access: "public",
        ok: z.string(),
        media: "text/html",
        database: false,
      }),
      async (c) => {
        const page = renderDocsPage(await openApiDocument(app));
        return c.html(page, 200, { "Content-Security-Policy": await contentSecurityPolicy(), "X-Content-Type-Options": "nosniff" });
      },
    );
