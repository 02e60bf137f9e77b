// The dashboard (app/): Remix on Vite, built for Cloudflare Pages. `remix vite:dev` gets the same
// bindings as Pages (the API service binding through the local dev registry) from the Pages config.
import { cloudflareDevProxyVitePlugin as remixCloudflareDevProxy, vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import { getLoadContext } from "./app/load-context";

declare module "@remix-run/cloudflare" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [
    remixCloudflareDevProxy({ getLoadContext, configPath: "pages/wrangler.toml" }),
    remix({
      // build/ (pages/functions imports it); a test that builds the app uses a directory of its own.
      buildDirectory: process.env.WPD_APP_BUILD_DIR || "build",
      // Routes are listed by app/routes.ts.
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
        v3_routeConfig: true,
      },
    }),
  ],
  // Pre-bundled up front: otherwise the first visit in dev discovers them and reloads the page.
  optimizeDeps: {
    include: ["@visx/axis", "@visx/grid", "@visx/group", "@visx/scale", "@visx/shape"],
  },
  server: { host: "127.0.0.1" },
  // The server bundle runs in workerd, not Node.
  ssr: { resolve: { conditions: ["workerd", "worker", "browser"] } },
  resolve: { mainFields: ["browser", "module", "main"] },
});
