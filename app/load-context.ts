// One load context for Pages (pages/functions/[[path]].ts) and `remix vite:dev` (vite.config.ts):
// the platform's env and ctx. Loaders build their API client from the env (lib/api.server.ts);
// nothing else is created here, so the server build holds the only copy of the app's modules.
import type { AppLoadContext } from "@remix-run/cloudflare";
import type { ApiEnv } from "./lib/api.server";

type Cloudflare = {
  env: ApiEnv;
  ctx: { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };
};

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    cloudflare: Cloudflare;
  }
}

export function getLoadContext({ context }: { request: Request; context: { cloudflare: Cloudflare } }): AppLoadContext {
  return { cloudflare: { env: context.cloudflare.env, ctx: context.cloudflare.ctx } };
}
