// npm run bench:metrics: seeds ~1M events (6 workers, 30 days) into a local benchmark database,
// builds the rollups, starts the worker with `wrangler dev` and prints median latencies at the
// worker for fresh, rollup-backed and cached metrics. `--reseed` starts from an empty database.
import { parseArgs } from "node:util";
import { counts } from "../db/ops";
import { startLocalStack, freePort } from "../db/local/stack";
import { getSite } from "../db/sites";
import { runRecomputePass } from "../worker/recompute/pass";
import { DEMO_SITE, seedDemo } from "../worker/seed/seed-demo";
import { projectRoot } from "./lib/processes";
import { startWorkerDev } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    days: { type: "string", default: "30" },
    runs: { type: "string", default: "15" },
    reseed: { type: "boolean", default: false },
  },
});
const EVENTS = Number(values.events);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const ADMIN = "bench-admin-token";
const HOUR = 3_600_000;

const stack = await startLocalStack({
  databaseUrl: process.env.BENCH_DATABASE_URL,
  database: "wpd_bench",
  dataDir: `${projectRoot}.data/bench/`,
  fresh: values.reseed,
  durable: false,
});
let server: Awaited<ReturnType<typeof startWorkerDev>> | undefined;
try {
  const conn = await stack.connect();
  // All timestamps hang off one end instant so windows line up with the seeded data.
  let end: Date;
  try {
    const have = await counts(conn.db, DEMO_SITE.siteId);
    if (have.events < EVENTS * 0.9) {
      console.log(`seeding ${EVENTS.toLocaleString()} events over ${DAYS} days...`);
      const started = Date.now();
      const seeded = await seedDemo(conn.db, { events: EVENTS, days: DAYS, end: new Date(), onProgress: (p) => p.batches % 40 === 0 && console.log(`  ${p.received.toLocaleString()} events`) });
      console.log(`seeded ${seeded.inserted.toLocaleString()} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } else {
      console.log(`using ${have.events.toLocaleString()} events already in the benchmark database`);
    }
    const site = await getSite(conn.db, DEMO_SITE.siteId);
    if (!site) throw new Error("demo site missing");
    // The state the cron keeps a production database in: closed hours rolled up, and the recompute
    // requests of the load's late events applied (while one is pending, reads are not cached).
    const started = Date.now();
    let hours = 0;
    let requests = 0;
    for (;;) {
      const pass = await runRecomputePass(conn.db, { now: new Date(), siteId: site.siteId, pendingSeconds: 0 });
      const [report] = pass.per_site;
      hours += report?.rollups?.hours ?? 0;
      requests += pass.requests.done;
      if (pass.requests.failed > 0) throw new Error(`recompute requests failed: ${JSON.stringify(pass.requests)}`);
      if (!report?.rollups && pass.requests.done === 0 && pass.requests.retry === 0) break;
    }
    if (hours || requests) {
      console.log(`built rollups for ${hours} hours and applied ${requests} recompute requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    // The steady state a production database is in: right after a bulk load the tables have no
    // visibility map (index-only scans visit the heap) and stale statistics until autovacuum runs.
    const vacuumed = Date.now();
    await conn.client.query("vacuum (analyze) events, worker_hour_rollups, workstation_hour_rollups");
    console.log(`vacuumed and analyzed in ${((Date.now() - vacuumed) / 1000).toFixed(1)} s`);
    const { rows } = await conn.client.query("select max(ts) as last from events where site_id = $1", [site.siteId]);
    end = new Date(rows[0].last);
  } finally {
    await conn.close();
  }

  server = await startWorkerDev({
    port: await freePort(),
    name: "bench",
    vars: { DATABASE_URL: stack.databaseUrl, NEON_LOCAL_PROXY: stack.localProxy, ADMIN_TOKEN: ADMIN, ENVIRONMENT: "bench" },
  });
  const apiBase = `${server.url}/api`;
  const base = `${apiBase}/metrics`;
  const headers = { authorization: `Bearer ${ADMIN}` };
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Client-observed time, and the worker's own time from its Server-Timing header. */
  async function time(url: string): Promise<[number, number]> {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${res.status} for ${url}`);
    const worker = Number(/app;dur=(\d+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? NaN);
    return [performance.now() - t, worker];
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  async function median(label: string, urlFor: (i: number) => string) {
    await time(urlFor(-1)); // warm the isolate and the database caches
    const samples: [number, number][] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await time(urlFor(i)));
    const client = mid(samples.map((s) => s[0]));
    const worker = mid(samples.map((s) => s[1]));
    console.log(`${label.padEnd(50)} median ${client.toFixed(1).padStart(7)} ms at the client, ${worker.toFixed(0).padStart(5)} ms in the worker`);
    return { client, worker };
  }

  const endMs = Math.floor(end.getTime() / HOUR) * HOUR;
  const day = (i: number) => `site=demo&start=${iso(endMs - 24 * HOUR - i * 60_000)}&end=${iso(endMs - i * 60_000)}`;
  const month = (i: number, shiftMs = 0) =>
    `site=demo&start=${iso(endMs - 29 * 24 * HOUR - i * 60_000 - shiftMs)}&end=${iso(endMs - i * 60_000 - shiftMs)}`;
  // Cache misses need windows no earlier run cached: shift them by a random number of seconds.
  const unseen = (1 + Math.floor(Math.random() * 3599)) * 1000;

  console.log(`\n${RUNS} runs each, through wrangler dev at ${server.url}:`);
  const fresh1 = await median("fresh factory, 1 day", (i) => `${base}/factory?${day(i)}`);
  await median("fresh all workers, 1 day", (i) => `${base}/workers?${day(i)}`);
  const fresh30 = await median("fresh factory, 30 days", (i) => `${base}/factory?${month(i)}`);
  // Cache misses: a window no earlier run cached. Hour-aligned ones (what the dashboard asks for:
  // days and shifts) come from rollups alone; unaligned ones add two edge hours from events.
  const alignedMiss = (i: number) => {
    const end = endMs - (i + 1) * HOUR;
    const shorter = Math.floor(unseen / 1000) % 300; // hours: another window length on every run
    return `site=demo&start=${iso(end - (30 * 24 - shorter) * HOUR)}&end=${iso(end)}`;
  };
  const rollup30 = await median("rollup-backed factory, 30 days (cache miss)", (i) => `${base}/cache/factory?${alignedMiss(i)}&populate=true`);
  await median("same, unaligned window (edges from events)", (i) => `${base}/cache/factory?${month(i + 1, unseen)}&populate=true`);
  await fetch(`${base}/cache/factory?${month(0)}&populate=true`, { headers });
  const cached = await median("cached factory, 30 days (cache hit)", () => `${base}/cache/factory?${month(0)}`);

  const baseline = await median("no-op read (GET /api/health: connect, select 1)", () => `${apiBase}/health`);

  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  const line = (label: string, m: { client: number; worker: number }, limit: number) =>
    `  ${label.padEnd(32)} ${m.client.toFixed(1).padStart(7)} ms client ${verdict(m.client <= limit).padEnd(6)} ${m.worker.toFixed(0).padStart(4)} ms worker ${verdict(m.worker <= limit)}`;
  console.log(`
targets (medians; "worker" is the worker's own time, without the wrangler dev hop; both include
opening a database connection per request, ${baseline.worker.toFixed(0)} ms of a no-op read here):
${line("rollup-backed 30 days <= 20 ms", rollup30, 20)}
${line("cache read <= 20 ms", cached, 20)}
${line("fresh 1-day factory <= 100 ms", fresh1, 100)}
  fresh 30 days / rollup-backed >= 50x   ${(fresh30.client / rollup30.client).toFixed(0)}x ${verdict(fresh30.client / rollup30.client >= 50)}
  fresh 30 days / cache read >= 50x      ${(fresh30.client / cached.client).toFixed(0)}x ${verdict(fresh30.client / cached.client >= 50)}
`);
} finally {
  await server?.stop();
  await stack.stop();
}
