// Cloudflare Pages entry: every request not served as a static asset goes to Remix.
import { createPagesFunctionHandler } from "@remix-run/cloudflare-pages";
// The server build exists only after `npm run build:app`.
// @ts-ignore
import * as build from "../../build/server";
import { getLoadContext } from "../../app/load-context";

export const onRequest = createPagesFunctionHandler({ build, getLoadContext });
