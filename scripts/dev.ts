// npm run dev: the whole product on this machine. Starts an embedded Postgres (or uses DATABASE_URL),
// the WebSocket proxy the Neon driver needs locally, applies migrations, seeds demo data into an
// empty database, then runs the worker with `wrangler dev` and the dashboard (built, on
// `wrangler pages dev`, bound to the worker). Ctrl-C stops everything it started.
import { counts } from "../db/ops";
import { seedSizes } from "../worker/seed/generate";
import { DEMO_SITE, seedDemo } from "../worker/seed/seed-demo";
import { siteForKey } from "../db/sites";
import { sha256Hex } from "../worker/lib/sha256";
import { demoSiteKey, isOnThisMachine, openProjectDatabase } from "./lib/local-db";
import { buildDashboard, startPagesDev } from "./lib/pages-dev";
import { startWorkerDev } from "./lib/wrangler-dev";
import { ensureDemoUsers } from "./lib/demo-users";

const API_PORT = Number(process.env.WPD_API_PORT ?? 8787);
const APP_PORT = Number(process.env.WPD_APP_PORT ?? 8788);
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? "dev-admin-token";

let stopping = false;
const children: { stop: () => Promise<void> }[] = [];

const stack = await openProjectDatabase((line) => {
  if (/applied migrations|FATAL|ERROR/.test(line)) console.log(`[db] ${line}`);
});
console.log(stack.embedded ? `[db] embedded Postgres at ${stack.databaseUrl}, data in ${stack.dataDir}` : `[db] using DATABASE_URL (${new URL(stack.databaseUrl).host})`);

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => c.stop()));
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

// A database elsewhere (Neon) is seeded only when asked to, and never with the well-known key.
const seedChoice = process.env.WPD_SEED || (isOnThisMachine(stack) ? "medium" : "none");
let demoKey = demoSiteKey(stack);
let demoLogins: { email: string; password: string; owner: boolean; role?: string }[] = [];

const conn = await stack.connect();
try {
  const existing = await counts(conn.db, null);
  if (existing.events === 0 && seedChoice !== "none") {
    const size = seedSizes[seedChoice as keyof typeof seedSizes] ?? seedSizes.medium;
    console.log(`[seed] empty database: seeding ${size.days} days of demo data (~${size.events.toLocaleString()} events)`);
    let last = 0;
    const result = await seedDemo(conn.db, {
      ...size,
      end: new Date(),
      demoKey,
      onProgress: (p) => {
        if (Date.now() - last > 2000) {
          last = Date.now();
          console.log(`[seed] ${p.received.toLocaleString()} events`);
        }
      },
    });
    console.log(`[seed] stored ${result.inserted.toLocaleString()} events in ${(result.duration_ms / 1000).toFixed(1)} s`);
    demoKey ??= result.site_key;
  } else {
    console.log(`[db] ${existing.events.toLocaleString()} events already stored`);
  }
  // Demo logins only on this machine's database: a Neon database gets its users from `npm run user`.
  if (isOnThisMachine(stack)) demoLogins = await ensureDemoUsers(conn.db);
  // The demo site may have been made with another key (npm run seed elsewhere, a rotation): print
  // only a key that works.
  if (demoKey && (await siteForKey(conn.db, await sha256Hex(demoKey)))?.siteId !== DEMO_SITE.siteId) demoKey = undefined;
} finally {
  await conn.close();
}

const api = await startWorkerDev({
  port: API_PORT,
  name: "dev",
  // Passed as an env file so nothing lands in the user's .dev.vars.
  vars: {
    DATABASE_URL: stack.databaseUrl,
    NEON_LOCAL_PROXY: stack.localProxy,
    ADMIN_TOKEN,
    ...(demoKey ? { DEMO_SITE_KEY: demoKey } : {}),
    ENVIRONMENT: "development",
  },
  extraArgs: ["--test-scheduled"],
  onLine: (line) => console.log(`[api] ${line}`),
}).catch(async (err) => {
  console.error(`[api] ${err instanceof Error ? err.message : err}`);
  await shutdown(1);
  throw err;
});
children.push(api);
api.child.on("exit", (code) => {
  if (!stopping) {
    console.error(`[api] wrangler exited (${code}); stopping.`);
    void shutdown(code ?? 1);
  }
});

const base = api.url;

console.log("[app] building the dashboard");
const app = await buildDashboard((line) => {
  if (/error|built in/i.test(line)) console.log(`[app] ${line}`);
})
  // The service binding reaches the API through the local dev registry; API_BASE is the fallback
  // and what the empty-state instructions show.
  .then(() =>
    startPagesDev({
      port: APP_PORT,
      // SESSION_SECRET signs the dashboard's cookies; a fixed local one keeps sign-ins across restarts.
      vars: { SESSION_SECRET: process.env.SESSION_SECRET ?? "dev-session-secret-not-for-production", API_BASE: base },
      // Request lines and the binding table (reprinted on every reconnect) would drown the API's log.
      onLine: (line) => {
        if (/Ready on|ERROR|✘|WARN|\[not connected\]/i.test(line)) console.log(`[app] ${line}`);
      },
    }),
  )
  .catch(async (err) => {
    console.error(`[app] ${err instanceof Error ? err.message : err}`);
    await shutdown(1);
    throw err;
  });
children.push(app);
app.child.on("exit", (code) => {
  if (!stopping) {
    console.error(`[app] wrangler pages dev exited (${code}); stopping.`);
    void shutdown(code ?? 1);
  }
});

console.log(`
  Worker Productivity Dashboard is running
    Dashboard  ${app.url}
    API        ${base}/api   (health: ${base}/api/health)
    Counts     curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' ${base}/api/debug/counts
${
  demoKey
    ? `    Demo site  ${DEMO_SITE.siteId}, ingest key: ${demoKey}
    Post       curl -X POST ${base}/api/events -H 'Authorization: Bearer ${demoKey}' -H 'Content-Type: application/json' \\
                 -d '{"timestamp":"${new Date().toISOString()}","worker_id":"W1","workstation_id":"S1","event_type":"working","confidence":0.92}'`
    : `    Site keys  no demo site key is known here: create a site (POST ${base}/api/sites) or give one a new
               key (POST ${base}/api/sites/<site id>/rotate-key), with the admin token; see the README`
}
    Cron       runs every 5 minutes; now: ${base}/__scheduled?cron=*/5+*+*+*+*
${
  demoLogins.length
    ? `    Logins     ${demoLogins.map((u) => `${u.email} / ${u.password}  (${u.owner ? "owner: every site, users, audit" : `${u.role} of ${DEMO_SITE.siteId}`})`).join("\n               ")}`
    : "    Logins     add users with: npm run user -- add <email> --name \"Name\" --owner  (README, Accounts and access)"
}
  Ctrl-C stops everything.
`);

// wrangler dev does not fire Cron Triggers by itself: run the scheduled pass as production would,
// now (rollups and today's cache for the seeded data) and every 5 minutes.
const runCron = () =>
  fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/5 * * * *")}`).then(
    (r) => r.arrayBuffer(),
    (err) => console.error(`[cron] ${err instanceof Error ? err.message : err}`),
  );
void runCron();
setInterval(runCron, 5 * 60_000).unref();
