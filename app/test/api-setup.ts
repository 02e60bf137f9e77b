// For the dashboard's loader tests: the real API on `wrangler dev` over a database of its own with
// a day of seeded demo data, so loaders are tested against what they will really talk to.
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { freePort, startLocalStack } from "../../db/local/stack";
import { startWorkerDev } from "../../scripts/lib/wrangler-dev";
import { DEMO_SITE, seedDemo } from "../../worker/seed/seed-demo";

export const APP_TEST_TOKEN = "app-test-admin-token";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    apiToken: string;
    siteId: string;
  }
}

export default async function setup(project: TestProject) {
  // A server of its own per run (removed afterwards): runs started side by side must not share one.
  const dataDir = new URL(`../../.data/app-test/${process.pid}/`, import.meta.url).pathname;
  const db = await startLocalStack({
    databaseUrl: process.env.TEST_DATABASE_URL,
    database: `wpd_app_test_${process.pid}`,
    ephemeral: true,
    dataDir,
    fresh: true,
    durable: false,
  });
  const stopDb = async () => {
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const conn = await db.connect();
    try {
      await seedDemo(conn.db, { days: 2, events: 8000, end: new Date(), seed: 7 });
    } finally {
      await conn.close();
    }
    const api = await startWorkerDev({
      port: await freePort(),
      name: "app-test-api",
      vars: { DATABASE_URL: db.databaseUrl, NEON_LOCAL_PROXY: db.localProxy, ADMIN_TOKEN: APP_TEST_TOKEN, ENVIRONMENT: "test" },
      // Its own name: it must not register in the local dev registry as the `npm run dev` API.
      extraArgs: ["--name", `productivity-api-apptest-${process.pid}`],
    });
    project.provide("apiUrl", api.url);
    project.provide("apiToken", APP_TEST_TOKEN);
    project.provide("siteId", DEMO_SITE.siteId);
    return async () => {
      await api.stop();
      await stopDb();
    };
  } catch (err) {
    await stopDb();
    throw err;
  }
}
