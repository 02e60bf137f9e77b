// npm run bench:ingest: posts N demo events (default 200k) in bulk batches from several concurrent
// clients to the worker on `wrangler dev` over the local Postgres and prints events/s, against
// COPY of the same rows into a scratch table of the same database and against the one-event API.
// Also prints the worker runtime's peak memory. Options: --events N --batch B --clients C --single N
import { readFileSync, writeFileSync, rmSync, chmodSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, startLocalStack } from "../db/local/stack";
import { createSite } from "../db/sites";
import { sha256Hex } from "../worker/ingest/event-id";
import type { EventInput } from "../worker/ingest/event-schema";
import { generateDemoBatches } from "../worker/seed/generate";
import { projectRoot } from "./lib/processes";
import { startWorkerDev } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "1000" },
    clients: { type: "string", default: "4" },
    single: { type: "string", default: "3000" },
  },
});
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);
const SINGLE = Number(values.single);
const KEY = "bench-ingest-key";

const stack = await startLocalStack({ database: "wpd_bench_ingest", dataDir: `${projectRoot}.data/bench/`, fresh: true });
let server: Awaited<ReturnType<typeof startWorkerDev>> | undefined;
const csv = join(tmpdir(), `wpd-bench-ingest-${process.pid}.csv`);
try {
  const conn = await stack.connect();
  await createSite(conn.db, { siteId: "bench", name: "Bench", timeZone: "UTC" }, await sha256Hex(KEY));
  await createSite(conn.db, { siteId: "bench1", name: "Bench one by one", timeZone: "UTC" }, await sha256Hex(`${KEY}-1`));

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
    vars: { DATABASE_URL: stack.databaseUrl, NEON_LOCAL_PROXY: stack.localProxy, ENVIRONMENT: "bench" },
  });
  const url = `${server.url}/api/events`;
  const post = async (path: string, key: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
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

  let stored = 0;
  const bulkSeconds = await run(batches, async (b) => {
    const { inserted } = await post("/bulk", KEY, b);
    stored += Number(inserted);
  });
  const bulkRate = events.length / bulkSeconds;

  const singles = events.slice(0, SINGLE);
  const singleSeconds = await run(singles, (e) => post("", `${KEY}-1`, e));
  const singleRate = singles.length / singleSeconds;

  // The worker runtime (workerd, started by wrangler) is the process that holds the isolate.
  const peakKb = workerdPeakKb(server.child.pid!);

  // COPY of the same rows into a scratch table with the same columns, indexes and constraints.
  const line = (e: EventInput) =>
    [e.event_id, new Date(e.timestamp).toISOString(), e.worker_id, e.workstation_id, e.event_type, e.confidence, e.count, e.model_version, JSON.stringify(e)]
      // an unquoted empty field is NULL in CSV COPY
      .map((v) => (v === undefined ? "" : `"${String(v).replace(/"/g, '""')}"`)).join(",");
  writeFileSync(csv, events.map(line).join("\n") + "\n");
  chmodSync(csv, 0o644);
  await conn.client.query("drop table if exists events_copy_bench");
  await conn.client.query("create table events_copy_bench (like events including all)");
  await conn.client.query("alter table events_copy_bench alter column site_id set default 'bench'");
  const copyStarted = performance.now();
  await conn.client.query(
    `copy events_copy_bench (event_id, ts, worker_id, workstation_id, event_type, confidence, count, model_version, raw_json)
     from '${csv}' with (format csv)`,
  );
  const copyRate = events.length / ((performance.now() - copyStarted) / 1000);
  const check = await conn.client.query("select (select count(*) from events where site_id = 'bench') as api, (select count(*) from events_copy_bench) as copy");
  await conn.client.query("drop table events_copy_bench");
  await conn.close();

  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`
${fmt(events.length)} events, bulk batches of ${BATCH}, ${CLIENTS} concurrent clients, through wrangler dev:
  bulk API          ${fmt(bulkRate).padStart(8)} events/s   (${bulkSeconds.toFixed(1)} s; stored ${check.rows[0].api}, reported inserted ${stored})
  COPY              ${fmt(copyRate).padStart(8)} events/s   (same rows into a table like events; ${check.rows[0].copy} rows)
  one-by-one API    ${fmt(singleRate).padStart(8)} events/s   (${singles.length} events, POST /api/events)
  bulk / COPY       ${(bulkRate / copyRate).toFixed(2)}x   (target >= 0.5x)  ${bulkRate / copyRate >= 0.5 ? "ok" : "MISSED"}
  bulk / one-by-one ${(bulkRate / singleRate).toFixed(1)}x   (target >= 10x)   ${bulkRate / singleRate >= 10 ? "ok" : "MISSED"}
  worker runtime peak memory: ${peakKb ? `${fmt(peakKb / 1024)} MB (workerd VmHWM)` : "not readable on this system"}`);
} finally {
  rmSync(csv, { force: true });
  await server?.stop();
  await stack.stop();
}

/** Highest VmHWM among the workerd processes below the given PID (Linux /proc). */
function workerdPeakKb(rootPid: number): number | undefined {
  try {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    }
    let peak: number | undefined;
    const visit = (pid: number) => {
      for (const child of children.get(pid) ?? []) {
        const status = readFileSync(`/proc/${child}/status`, "utf8");
        if (/^Name:\s+workerd/m.test(status)) {
          const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          peak = Math.max(peak ?? 0, kb);
        }
        visit(child);
      }
    };
    visit(rootPid);
    return peak;
  } catch {
    return undefined;
  }
}
