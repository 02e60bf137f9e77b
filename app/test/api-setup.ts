// For the dashboard's loader tests: the real API on `wrangler dev` over a database of its own with
// a day of seeded demo data, so loaders are tested against what they will really talk to; and the
// people who sign in to it: an owner, a manager of the demo site and a viewer of it without
// worker detail (plus one account the sign-in throttle tests may lock).
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { createUser, grantSite } from "../../db/auth/users";
import { freePort, startLocalStack } from "../../db/local/stack";
import { startWorkerDev } from "../../scripts/lib/wrangler-dev";
import { hashPassword } from "../../worker/auth/password";
import { DEMO_SITE, seedDemo } from "../../worker/seed/seed-demo";

export const APP_TEST_TOKEN = "app-test-admin-token";
export const APP_TEST_SESSION_SECRET = "app-test-session-secret";
const PASSWORD = "app test password 1234";

export type TestUser = { email: string; password: string };
export type TestUsers = Record<"owner" | "manager" | "viewer" | "throttled", TestUser>;

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
    apiToken: string;
    siteId: string;
    sessionSecret: string;
    users: TestUsers;
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
  const users: TestUsers = {
    owner: { email: "owner@app.test", password: PASSWORD },
    manager: { email: "manager@app.test", password: PASSWORD },
    viewer: { email: "viewer@app.test", password: PASSWORD },
    throttled: { email: "throttled@app.test", password: PASSWORD },
  };
  try {
    const conn = await db.connect();
    try {
      await seedDemo(conn.db, { days: 2, events: 8000, end: new Date(), seed: 7 });
      const who = { actor: "app-test-setup" };
      // One hash for all: scrypt is slow on purpose.
      const passwordHash = hashPassword(PASSWORD);
      const add = async (u: TestUser, name: string, owner: boolean) => {
        const created = await createUser(conn.db, { email: u.email, name, owner, passwordHash }, who);
        if (!created) throw new Error(`could not create ${u.email}`);
        return created.id;
      };
      await add(users.owner, "Olivia Owner", true);
      await grantSite(conn.db, await add(users.manager, "Max Manager", false), DEMO_SITE.siteId, { role: "manager", workerDetail: true }, who);
      await grantSite(conn.db, await add(users.viewer, "Vera Viewer", false), DEMO_SITE.siteId, { role: "viewer", workerDetail: false }, who);
      await grantSite(conn.db, await add(users.throttled, "Theo Throttled", false), DEMO_SITE.siteId, { role: "viewer", workerDetail: false }, who);
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
    project.provide("sessionSecret", APP_TEST_SESSION_SECRET);
    project.provide("users", users);
    return async () => {
      await api.stop();
      await stopDb();
    };
  } catch (err) {
    await stopDb();
    throw err;
  }
}
