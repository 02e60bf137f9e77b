// The whole product for end-to-end tests: a Postgres database of its own with 2 days of seeded
// demo data, the API on `wrangler dev`, and the built dashboard on `wrangler pages dev` bound to it.
// `tsx e2e/stack.ts` runs it standalone (prints the URLs; Ctrl-C stops it).
import { rmSync } from "node:fs";
import { freePort, startLocalStack, type LocalStack } from "../db/local/stack";
import { DEMO_SITE, seedDemo } from "../worker/seed/seed-demo";
import { createSite } from "../db/sites";
import { ensureDemoUsers } from "../scripts/lib/demo-users";
import { buildDashboard, startPagesDev, type PagesServer } from "../scripts/lib/pages-dev";
import { startWorkerDev, type WorkerServer } from "../scripts/lib/wrangler-dev";

export const E2E_ADMIN_TOKEN = "e2e-admin-token";
export const E2E_SESSION_SECRET = "e2e-session-secret";
/** A second site, with no data and no roles but the owner's: for what a manager of the demo site may not see. */
export const E2E_OTHER_SITE = { siteId: "plant-b", name: "Plant B", timeZone: "America/Chicago" };

export type E2eStack = {
  apiUrl: string;
  appUrl: string;
  siteId: string;
  otherSiteId: string;
  timeZone: string;
  /** The demo logins (scripts/lib/demo-users.ts): an owner, a manager and a viewer of the demo site. */
  logins: Awaited<ReturnType<typeof ensureDemoUsers>>;
  /** GET on the API with the admin token and ?site=. */
  api: <T>(path: string, params?: Record<string, string>) => Promise<T>;
  stop: () => Promise<void>;
};

// Everything started so far, also while startE2eStack is still under way: a test run whose setup
// timed out must still be able to stop what it had started, or their processes keep it alive.
const started: (() => Promise<void>)[] = [];

export async function stopEverythingStarted(): Promise<void> {
  while (started.length) await started.pop()!().catch(() => {});
}

export async function startE2eStack(opts: { build?: boolean; log?: (line: string) => void } = {}): Promise<E2eStack> {
  const log = opts.log ?? (() => {});
  const stops = started;
  const stop = stopEverythingStarted;
  try {
    if (opts.build !== false) await buildDashboard(log);
    // A server of its own per run (removed afterwards): runs started side by side must not share one.
    const dataDir = new URL(`../.data/e2e/${process.pid}/`, import.meta.url).pathname;
    stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const db: LocalStack = await startLocalStack({
      databaseUrl: process.env.TEST_DATABASE_URL,
      database: `wpd_e2e_${process.pid}`,
      ephemeral: true,
      dataDir,
      fresh: true,
      durable: false,
    });
    stops.push(db.stop);
    const conn = await db.connect();
    let logins: E2eStack["logins"] = [];
    try {
      // Four days, so that "yesterday" and the whole day before it (what yesterday is compared
      // with) have data; small enough to seed in seconds.
      await seedDemo(conn.db, { days: 4, events: 24_000, end: new Date(), seed: 42 });
      logins = await ensureDemoUsers(conn.db);
      await createSite(conn.db, E2E_OTHER_SITE, "not-a-key-hash-the-e2e-tests-ingest-nothing-there");
    } finally {
      await conn.close();
    }
    // A worker name of its own, so the dashboard binds to this API and not to one that a
    // concurrent `npm run dev` registered locally under the usual name.
    const apiWorkerName = `productivity-api-e2e-${process.pid}`;
    const api: WorkerServer = await startWorkerDev({
      port: await freePort(),
      name: "e2e-api",
      extraArgs: ["--name", apiWorkerName],
      vars: { DATABASE_URL: db.databaseUrl, NEON_LOCAL_PROXY: db.localProxy, ADMIN_TOKEN: E2E_ADMIN_TOKEN, ENVIRONMENT: "test" },
      onLine: (l) => log(`[api] ${l}`),
    });
    stops.push(api.stop);
    const app: PagesServer = await startPagesDev({
      port: await freePort(),
      apiWorkerName,
      vars: { SESSION_SECRET: E2E_SESSION_SECRET, API_BASE: api.url },
      onLine: (l) => log(`[app] ${l}`),
    });
    stops.push(app.stop);
    return {
      apiUrl: api.url,
      appUrl: app.url,
      siteId: DEMO_SITE.siteId,
      otherSiteId: E2E_OTHER_SITE.siteId,
      timeZone: DEMO_SITE.timeZone,
      logins,
      api: async <T>(path: string, params: Record<string, string> = {}) => {
        const url = new URL(`/api${path}`, api.url);
        for (const [k, v] of Object.entries({ site: DEMO_SITE.siteId, ...params })) url.searchParams.set(k, v);
        const res = await fetch(url, { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
        if (!res.ok) throw new Error(`${url.pathname} answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stack = await startE2eStack({ build: !process.argv.includes("--no-build"), log: (l) => console.log(l) });
  console.log(`\n  dashboard ${stack.appUrl}\n  api       ${stack.apiUrl}\n  Ctrl-C stops.`);
  const bye = () => void stack.stop().then(() => process.exit(0));
  process.on("SIGINT", bye);
  process.on("SIGTERM", bye);
}
