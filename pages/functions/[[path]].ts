// Cloudflare Pages entry: every request not served as a static asset goes to Remix.
import { createPagesFunctionHandler } from "@remix-run/cloudflare-pages";
// The server build exists only after `npm run build:app`.
// @ts-ignore
import * as build from "../../build/server";
import { getLoadContext } from "../../app/load-context";
import { withBaselineHeaders } from "../../app/lib/security-headers.server";
import { crossSiteRefusal } from "../../app/lib/csrf.server";

const handle = createPagesFunctionHandler({ build, getLoadContext });

// Pages and data get their security headers in app/entry.server.tsx; this adds them to anything
// that went around it (a resource route's redirect, the route manifest).
// A write from another origin is refused here, as 403 (Remix's own check would throw: a 500).
export const onRequest: typeof handle = async (ctx) => withBaselineHeaders(crossSiteRefusal(ctx.request) ?? (await handle(ctx)));
