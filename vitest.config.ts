import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export const TEST_ADMIN_TOKEN = "test-admin-token";

export default defineConfig({
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    // One JSON line per request is right in production and noise in a test run.
    onConsoleLog: (log) => !log.includes('"msg":"request"'),
    projects: [
      {
        // The API: tests run inside the Workers runtime against a real Postgres.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./worker/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DATABASE_URL: inject("databaseUrl"),
                NEON_LOCAL_PROXY: inject("localProxy"),
                TEST_ISOLATED_DATABASE_URL: inject("isolatedDatabaseUrl"),
                // A stand-in Cloudflare Access team and its keys (test/access-keys-server.ts); the
                // worker's own CF_ACCESS_* stay unset here, tests that sign in with Access set them.
                TEST_ACCESS_TEAM_URL: inject("accessTeamUrl"),
                TEST_ACCESS_PRIVATE_JWK: inject("accessPrivateJwk"),
                TEST_ACCESS_FORGED_JWK: inject("accessForgedJwk"),
                ADMIN_TOKEN: TEST_ADMIN_TOKEN,
                ENVIRONMENT: "test",
                // The test pool runs scrypt ~10x slower than a deployed Worker (worker/auth/password.ts).
                TEST_FAST_PASSWORD_HASHES: "true",
              },
              // A limiter tight enough to reach 429 within a test; the configured one (wrangler.toml)
              // stays in force for every other request.
              ratelimits: {
                TEST_TIGHT_RATE_LIMIT: { simple: { limit: 3, period: 60 } },
                TEST_TIGHT_AUTH_FAILURE_LIMIT: { simple: { limit: 3, period: 60 } },
                // Test requests carry no CF-Connecting-IP, so every bad key of the whole run counts
                // against one address: at the configured 20 a minute, tests expecting a 401 would
                // get 429 depending on what ran just before. The binding stays, with room enough;
                // worker/reliability/rate-limit.test.ts injects the tight one with addresses.
                AUTH_FAILURE_RATE_LIMIT: { simple: { limit: 10_000, period: 60 } },
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts", "db/**/*.test.ts", "test/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The dashboard: loaders and components in jsdom.
        esbuild: { jsx: "automatic" },
        test: {
          name: "app",
          include: ["app/**/*.test.{ts,tsx}"],
          environment: "jsdom",
          globalSetup: ["./app/test/api-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
