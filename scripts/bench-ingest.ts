// npm run bench:ingest: posts N demo events (default 200k) in bulk batches from several concurrent
// clients to the worker on `wrangler dev` and prints events/s, against COPY of the same rows into a
// scratch table of the same database and against the one-event API. Also prints the worker
// runtime's peak memory.
//
// Options: --events N --batch B --clients C --single N, and --neon: run against DATABASE_URL (a
// Neon database) instead of the local embedded Postgres. In --neon mode nothing is dropped: the
// benchmark writes to sites of its own and deletes their rows and its scratch table afterwards.
import { readFileSync, readdirSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import WebSocket from "ws";
import { connect, type Connection } from "../db/client";
import { freePort, isLocalUrl, startLocalStack, type LocalStack } from "../db/local/stack";
import { applyMigrations } from "../db/migrate";
import { migrations } from "../db/migrations.generated";
import { createSite } from "../db/sites";
import { sha256Hex } from "../worker/lib/sha256";
import type { EventInput } from "../contract/events";
import { generateDemoBatches } from "../worker/seed/generate";
import { projectRoot } from "./lib/processes";
import { startWorkerDev } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    // the largest batch the API takes: what a bulk client sends
    batch: { type: "string", default: "5000" },
    clients: { type: "string", default: "4" },
    single: { type: "string", default: "3000" },
    neon: { type: "boolean", default: false },
  },
});
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);
const SINGLE = Number(values.single);
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const BULK_SITE = `bench-${RUN}`;
const SINGLE_SITE = `bench1-${RUN}`;
const KEY = `bench-ingest-key-${RUN}`;
const SCRATCH = `events_copy_bench_${RUN}`;
const SITE_TABLES = [
  "events", "ingestion_log", "event_streams", "recompute_requests", "metrics_cache", "rollup_state",
  "worker_hour_rollups", "workstation_hour_rollups", "workers", "workstations", "sites",
];

let stack: LocalStack | undefined;
let databaseUrl: string;
if (values.neon) {
  const url = process.env.DATABASE_URL;
  if (!url || isLocalUrl(url)) {
    console.error("--neon runs against DATABASE_URL: set it to your Neon connection string (postgres://...neon.tech/...?sslmode=require).");
    process.exit(2);
  }
  databaseUrl = url;
} else {
  // BENCH_DATABASE_URL: a Postgres of your own (on 127.0.0.1) instead of the embedded one.
  stack = await startLocalStack({
    databaseUrl: process.env.BENCH_DATABASE_URL,
    database: "wpd_bench_ingest",
    dataDir: `${projectRoot}.data/bench/`,
    fresh: true,
    durable: false,
  });
  databaseUrl = stack.databaseUrl;
}
const localProxy = stack?.localProxy;
const where = values.neon ? `Neon (${new URL(databaseUrl).hostname})` : "the local Postgres";

let server: Awaited<ReturnType<typeof startWorkerDev>> | undefined;
let conn: Connection | undefined;
try {
  conn = await connect({ databaseUrl, localProxy, webSocket: WebSocket });
  if (values.neon) {
    // the same as `npm run db:migrate`: a no-op when the database is up to date
    const applied = await applyMigrations(conn.db, migrations);
    if (applied.length) console.log(`applied migrations: ${applied.join(", ")}`);
  }
  await createSite(conn.db, { siteId: BULK_SITE, name: "Bench", timeZone: "UTC" }, await sha256Hex(KEY));
  await createSite(conn.db, { siteId: SINGLE_SITE, name: "Bench one by one", timeZone: "UTC" }, await sha256Hex(`${KEY}-1`));

  // Distinct events (the generator's camera retries and held-back events dropped), ids given, so
  // the API, COPY and the one-by-one path store exactly the same rows.
  const seen = new Set<string>();
  const events: EventInput[] = [];
  for (const batch of generateDemoBatches({ days: Math.max(1, Math.round(EVENTS / 30_000)), events: EVENTS, end: new Date(), timeZone: "UTC" })) {
    for (const e of batch) {
      const id = `${e.worker_id}|${e.timestamp}|${e.event_type}`;
      if (seen.has(id) || events.length >= EVENTS) continue;
      seen.add(id);
      events.push({ ...e, event_id: id.replace(/[|:]/g, "_") });
    }
  }
  const batches: EventInput[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));

  server = await startWorkerDev({
    port: await freePort(),
    name: "bench-ingest",
    vars: { DATABASE_URL: databaseUrl, NEON_LOCAL_PROXY: localProxy, ENVIRONMENT: "bench" },
  });
  const url = `${server.url}/api/events`;
  const post = async (path: string, key: string, body: string) => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
    if (res.status >= 300) throw new Error(`${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ inserted: number | boolean }>;
  };
  async function run<T>(items: T[], send: (item: T) => Promise<unknown>) {
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < items.length) await send(items[next++]);
    }));
    return (performance.now() - started) / 1000;
  }
  // Each timed phase starts from a clean checkpoint, so neither inherits the other's dirty pages
  // (only a superuser may checkpoint; on Neon the storage layer handles it).
  const checkpoint = () => (values.neon ? Promise.resolve() : conn!.client.query("checkpoint").then(() => undefined));

  // Bodies are serialized before the clock starts: the figure is the server's rate, not the
  // client's JSON.stringify (which shares this machine's cores with it).
  const bodies = batches.map((b) => JSON.stringify(b));
  await checkpoint();
  let stored = 0;
  const bulkSeconds = await run(bodies, async (b) => {
    const { inserted } = await post("/bulk", KEY, b);
    stored += Number(inserted);
  });
  const bulkRate = events.length / bulkSeconds;

  const singles = events.slice(0, SINGLE).map((e) => JSON.stringify(e));
  const singleSeconds = await run(singles, (e) => post("", `${KEY}-1`, e));
  const singleRate = singles.length / singleSeconds;

  // The worker runtime (workerd, started by wrangler) is the process that holds the isolate.
  const peakKb = workerdPeakKb(server.child.pid!);

  // COPY of the same rows, sent from this client like the API's batches, into a scratch table
  // with the same columns, indexes and constraints.
  const csvLine = (e: EventInput) =>
    [BULK_SITE, e.event_id, new Date(e.timestamp).toISOString(), e.worker_id, e.workstation_id, e.event_type, e.confidence, e.count, e.model_version, JSON.stringify(e)]
      // an unquoted empty field is NULL in CSV COPY
      .map((v) => (v === undefined ? "" : `"${String(v).replace(/"/g, '""')}"`)).join(",") + "\n";
  const csv = events.map(csvLine).join("");
  await conn.client.query(`create table ${SCRATCH} (like events including all)`);
  const copyClient = new pg.Client({ connectionString: databaseUrl });
  await copyClient.connect();
  let copySeconds: number;
  try {
    await checkpoint();
    const copyStarted = performance.now();
    await pipeline(
      Readable.from([csv]),
      copyClient.query(copyFrom(
        `copy ${SCRATCH} (site_id, event_id, ts, worker_id, workstation_id, event_type, confidence, count, model_version, raw_json) from stdin with (format csv)`,
      )),
    );
    copySeconds = (performance.now() - copyStarted) / 1000;
  } finally {
    await copyClient.end();
  }
  const copyRate = events.length / copySeconds;
  const check = await conn.client.query(`select (select count(*) from events where site_id = $1) as api, (select count(*) from ${SCRATCH}) as copy`, [BULK_SITE]);

  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`
${fmt(events.length)} events, bulk batches of ${BATCH}, ${CLIENTS} concurrent clients, through wrangler dev on ${where}:
  bulk API          ${fmt(bulkRate).padStart(8)} events/s   (${bulkSeconds.toFixed(1)} s; stored ${check.rows[0].api}, reported inserted ${stored})
  COPY              ${fmt(copyRate).padStart(8)} events/s   (${copySeconds.toFixed(1)} s; same rows into a table like events; ${check.rows[0].copy} rows)
  one-by-one API    ${fmt(singleRate).padStart(8)} events/s   (${singles.length} events, POST /api/events)
  bulk / COPY       ${(bulkRate / copyRate).toFixed(2)}x   (target >= 0.5x)  ${bulkRate / copyRate >= 0.5 ? "ok" : "MISSED"}
  bulk / one-by-one ${(bulkRate / singleRate).toFixed(1)}x   (target >= 10x)   ${bulkRate / singleRate >= 10 ? "ok" : "MISSED"}
  worker runtime peak memory: ${peakKb ? `${fmt(peakKb / 1024)} MB (workerd VmHWM)` : "not readable on this system"}`);
} finally {
  await server?.stop();
  if (conn) {
    // Leave the database as it was: matters on a Neon database that is also in use.
    await conn.client.query(`drop table if exists ${SCRATCH}`).catch(() => {});
    for (const table of SITE_TABLES) {
      await conn.client.query(`delete from ${table} where site_id = any($1)`, [[BULK_SITE, SINGLE_SITE]]).catch(() => {});
    }
    await conn.close();
  }
  await stack?.stop();
}

/** Highest VmHWM among the workerd processes below the given PID (Linux /proc). */
function workerdPeakKb(rootPid: number): number | undefined {
  // A process may exit between listing /proc and reading it: skip it rather than give up.
  const read = (path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  };
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let peak: number | undefined;
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      const status = read(`/proc/${child}/status`);
      if (status && /^Name:\s+workerd/m.test(status)) {
        peak = Math.max(peak ?? 0, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      }
      visit(child);
    }
  };
  visit(rootPid);
  return peak;
}
