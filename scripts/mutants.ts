// `npm run test:mutants`: a scripted mutation check. StrykerJS cannot drive the Workers test pool,
// so this applies a fixed list of mutants (bugs, each an exact string replacement in one source
// file) one at a time, runs the test files that should catch it, and reports whether a test failed
// (killed) or everything passed (survived). The list holds bugs an audit planted that no test
// caught at the time, and others across ingest, late data, cache, recompute, rate limiting and
// the CSV export. docs/testing.md has the list with the score last measured.
//
//   npm run test:mutants                      every mutant, in place (source restored after each)
//   npm run test:mutants -- --only cap-plus-1s,tie-break
//   npm run test:mutants -- --scratch         in a copy of the working tree (others may keep editing)
//   npm run test:mutants -- --check           only checks that every mutant still applies
//   npm run test:mutants -- --list            lists the mutants
//   npm run test:mutants -- --no-baseline     skips the unmutated run of the test files first
//
// A mutant whose search string is not found exactly once fails the run before anything is changed:
// the list must follow the code. The mutated file is restored after each mutant, on Ctrl-C and on
// any error, from the original text kept in memory (never through git). Logs: .data/mutants/.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

type Project = "worker" | "app";

type Mutant = {
  id: string;
  /** What the bug does, for the table. */
  what: string;
  file: string;
  search: string;
  replace: string;
  /** Test files that should catch it, run with `vitest run --project <project>`. */
  tests: string[];
  project?: Project;
};

const ACCESS_TESTS = ["worker/auth/access-matrix.test.ts", "worker/auth/sessions.test.ts"];
const INGEST_TESTS = ["worker/ingest/ingest.test.ts", "worker/recompute/late-data.test.ts", "worker/recompute/late-data.property.test.ts"];

export const MUTANTS: Mutant[] = [
  // The audit's bugs.
  {
    id: "cap-plus-1s",
    what: "state intervals capped at max_state_seconds + 1 s",
    file: "db/metrics/engine.ts",
    search: "const cap = sql`${scope.maxStateSeconds}::int * interval '1 second'`;",
    replace: "const cap = sql`(${scope.maxStateSeconds}::int + 1) * interval '1 second'`;",
    tests: ["worker/metrics/metrics.test.ts"],
  },
  {
    // The same bug in the state time alone (the run boundaries keep the right cap).
    id: "cap-plus-1s-state-only",
    what: "state time (not the run breaks) capped at max_state_seconds + 1 s",
    file: "db/metrics/engine.ts",
    search: "least(x.last_t1, x.last_t0 + ${cap}, p.b_now) as hi",
    replace: "least(x.last_t1, x.last_t0 + ${cap} + interval '1 second', p.b_now) as hi",
    tests: ["worker/metrics/metrics.test.ts"],
  },
  {
    id: "timeline-end-inclusive",
    what: "timeline units counted at ts <= end",
    file: "db/timeline.ts",
    search: "and e.ts >= ${tsParam(window.start)} and e.ts < ${tsParam(window.end)}\n      group by 1",
    replace: "and e.ts >= ${tsParam(window.start)} and e.ts <= ${tsParam(window.end)}\n      group by 1",
    tests: ["worker/timeline/timeline.test.ts"],
  },
  {
    id: "no-request-in-rolled-up-hour",
    what: "no recompute request for an on-time event in an hour already rolled up",
    file: "db/ingest.ts",
    search: " or i.ts < a.built_until",
    replace: "",
    tests: INGEST_TESTS,
  },
  {
    id: "rollups-past-watermark",
    what: "rollup-backed reads take one hour past the watermark",
    file: "db/metrics/compute.ts",
    search: "Math.min(floorHour(end), floorHour(rollupsBefore.getTime()))",
    replace: "Math.min(floorHour(end), floorHour(rollupsBefore.getTime()) + HOUR_MS)",
    tests: ["worker/metrics/metrics.test.ts", "worker/recompute/late-data.test.ts"],
  },
  {
    id: "tie-break-dropped",
    what: "state events tied on ts no longer ordered by event_id",
    file: "db/metrics/engine.ts",
    search: 'window o as (order by e.ts, e.event_id collate "C")',
    replace: "window o as (order by e.ts)",
    tests: ["worker/metrics/metrics.test.ts"],
  },
  // Station changes: a run cut to nothing by an event tied on its timestamp is no interval.
  {
    id: "station-change-counts-tied-runs",
    what: "station changes count runs that last no time (events tied on a timestamp)",
    file: "db/metrics/engine.ts",
    search: "where y.last_t1 > y.run_t0",
    replace: "where true",
    tests: ["worker/metrics/metrics.test.ts", "worker/metrics/metrics.property.test.ts"],
  },
  {
    id: "station-change-at-part-start-missed",
    what: "a station change at the first instant of a window or rollup hour is not counted",
    file: "db/metrics/engine.ts",
    search: "coalesce(x.run_t0 >= p.a and",
    replace: "coalesce(x.run_t0 > p.a and",
    tests: ["worker/metrics/metrics.test.ts", "worker/metrics/metrics.property.test.ts"],
  },
  {
    id: "late-event-misses-next-move",
    what: "a late event at another workstation does not request the hour of the worker's next event (whose station change it alters)",
    file: "db/ingest.ts",
    search: "then date_trunc('hour', nxt.ts, 'UTC') + interval '1 hour' end,",
    replace: "then null end,",
    tests: ["worker/metrics/metrics.test.ts", ...INGEST_TESTS],
  },
  {
    id: "watermark-from-snapshot",
    what: "ingest reads the rollup watermark from its snapshot, not from the site row it waited for",
    file: "db/ingest.ts",
    search: "             ${watermarkOf(\"s\")} as built_until,",
    replace: "             (select ${watermarkOf(\"x\")} from sites x where x.site_id = s.site_id) as built_until,",
    tests: ["worker/recompute/late-data.test.ts"],
  },
  // Metrics: the window is [start, end).
  {
    id: "events-at-window-end",
    what: "events at a window's end counted in it",
    file: "db/metrics/engine.ts",
    search: "e.worker_id = w.worker_id and e.ts >= p.a and e.ts < p.b\n",
    replace: "e.worker_id = w.worker_id and e.ts >= p.a and e.ts <= p.b\n",
    tests: ["worker/metrics/metrics.test.ts"],
  },
  // Ingest: dedupe and late flags.
  {
    id: "ingestion-log-forgets-repeats",
    what: "the ingestion log counts only the latest batch's sightings of an id",
    file: "db/ingest.ts",
    search: "times_seen = ingestion_log.times_seen + excluded.times_seen",
    replace: "times_seen = excluded.times_seen",
    tests: ["worker/ingest/ingest.test.ts", "worker/ingest/repeats-and-late.test.ts"],
  },
  {
    id: "dedupe-keeps-last",
    what: "an id repeated within a batch is stored from its last occurrence",
    file: "db/ingest.ts",
    search: "from input order by event_id, ord\n",
    replace: "from input order by event_id, ord desc\n",
    tests: ["worker/ingest/ingest.test.ts", "worker/ingest/repeats-and-late.test.ts"],
  },
  {
    id: "dedupe-flags-repeats",
    what: "repeats within a batch reported as inserted",
    file: "db/ingest.ts",
    search: "inserted: rows.map((r, i) => firstOccurrence[i] && insertedIds.has(r.eventId)),",
    replace: "inserted: rows.map((r) => insertedIds.has(r.eventId)),",
    tests: ["worker/ingest/ingest.test.ts", "worker/ingest/repeats-and-late.test.ts"],
  },
  {
    id: "late-at-same-ts",
    what: "an event at the same time as its stream's newest flagged late",
    file: "db/ingest.ts",
    search: "coalesce(f.ts < h.last_ts, false)",
    replace: "coalesce(f.ts <= h.last_ts, false)",
    tests: ["worker/ingest/ingest.test.ts", "worker/ingest/repeats-and-late.test.ts"],
  },
  // Late data: what a new event asks to recompute.
  {
    id: "first-event-span-1h",
    what: "a worker's first state event requests one hour, not up to its next event",
    file: "db/ingest.ts",
    search: "else coalesce(nxt.ts, greatest(i.ts, now()))",
    replace: "else coalesce(i.ts + interval '1 hour', greatest(i.ts, now()))",
    tests: INGEST_TESTS,
  },
  // Cache staleness.
  {
    id: "stale-ignores-processing",
    what: "a cached window is not stale while its recompute is being processed",
    file: "db/metrics-cache.ts",
    search: "where r.site_id = k.site_id and r.status in ('pending', 'processing')",
    replace: "where r.site_id = k.site_id and r.status = 'pending'",
    tests: ["worker/cache/cache.test.ts", "worker/recompute/late-data.test.ts", "worker/reliability/recompute-recovery.test.ts"],
  },
  {
    id: "stale-ignores-age",
    what: "a live window's entry computed over 5 minutes ago is not stale",
    file: "worker/cache/policy.ts",
    search: ': { action: "serve", entry, stale: true };',
    replace: ': { action: "serve", entry, stale: pending };',
    tests: ["worker/cache/policy.test.ts", "worker/cache/cache.test.ts"],
  },
  // Recompute: claims and the cron's sweep.
  {
    id: "claim-lease-ignored",
    what: "a request another consumer holds is taken over at once",
    file: "db/recompute.ts",
    search: "or (status = 'processing' and updated_at < now() - make_interval(secs => ${CLAIM_LEASE_SECONDS})))",
    replace: "or status = 'processing')",
    tests: ["worker/reliability/recompute-recovery.test.ts", "worker/recompute/queue-retry.test.ts"],
  },
  {
    id: "cron-sweeps-young-claims",
    what: "the cron takes over requests processing for 2 minutes, not 10",
    file: "worker/recompute/pass.ts",
    search: "processingSeconds: opts.processingSeconds ?? 600,",
    replace: "processingSeconds: opts.processingSeconds ?? 120,",
    tests: ["worker/reliability/recompute-recovery.test.ts"],
  },
  {
    id: "retry-without-delay",
    what: "failed recompute messages retried without their backoff delay",
    file: "worker/recompute/consumer.ts",
    search: "else m.retry({ delaySeconds });",
    replace: "else m.retry();",
    tests: ["worker/recompute/queue-retry.test.ts", "worker/reliability/recompute-recovery.test.ts"],
  },
  // HTTP: rate limiting, request ids, body limit.
  {
    id: "rate-limit-one-bucket",
    what: "all sites share one ingest rate-limit bucket",
    file: "worker/http/rate-limit.ts",
    search: "({ success: allowed } = await limiter.limit({ key: c.get(\"siteKeyHash\") }));",
    replace: "({ success: allowed } = await limiter.limit({ key: \"every-site\" }));",
    tests: ["worker/reliability/rate-limit.test.ts"],
  },
  {
    id: "no-request-id-header",
    what: "responses without X-Request-Id",
    file: "worker/http/request-context.ts",
    search: 'c.header("X-Request-Id", requestId);',
    replace: "",
    tests: ["worker/http/http.test.ts"],
  },
  {
    id: "log-without-request-id",
    what: "the request log line without the request id",
    file: "worker/http/request-context.ts",
    search: 'msg: "request",\n        request_id: requestId,',
    replace: 'msg: "request",',
    tests: ["worker/http/http.test.ts"],
  },
  {
    id: "body-limit-plus-1kb",
    what: "ingest bodies limited at 8 MB + 1 KB",
    file: "worker/ingest/routes.ts",
    search: "const MAX_BODY_BYTES = 8 * 1024 * 1024;",
    replace: "const MAX_BODY_BYTES = 8 * 1024 * 1024 + 1024;",
    tests: ["worker/http/http.test.ts"],
  },
  // The CSV export.
  {
    id: "csv-tab-cr-not-defused",
    what: "CSV cells starting with a tab or carriage return not prefixed",
    file: "app/lib/csv.ts",
    search: "/^[=+\\-@\\t\\r]/",
    replace: "/^[=+\\-@]/",
    tests: ["app/routes/export.test.ts"],
    project: "app",
  },
  {
    id: "csv-times-in-utc",
    what: "CSV times written in UTC, not in the site's zone",
    file: "app/lib/tables.ts",
    search: "csv: (r, tz) => formatIsoLocal(get(r), tz) };",
    replace: "csv: (r) => get(r) };",
    tests: ["app/routes/export.test.ts"],
    project: "app",
  },
  // Accounts and access.
  {
    id: "viewer-sees-workers",
    what: "a viewer without per-worker data is given it",
    file: "db/auth/access.ts",
    search: "workerDetail: !!site && (r.owner || r.role === \"manager\" || !!r.worker_detail),",
    replace: "workerDetail: !!site,",
    tests: [ACCESS_TESTS[0]],
  },
  {
    id: "ingest-key-reads",
    what: "an ingest key reads its site's data",
    file: "worker/http/site-access.ts",
    search: "    throw new ApiError(403, \"ingest_key_cannot_read\",",
    replace: "    if (ingest) { site = { ...ingest }; c.set(\"reader\", { kind: \"read_key\", actor: \"ingest\", workerDetail: true }); } else throw new ApiError(403, \"ingest_key_cannot_read\",",
    tests: [ACCESS_TESTS[0]],
  },
  {
    id: "session-without-idle-expiry",
    what: "a session idle for longer than SESSION_IDLE_SECONDS still works",
    file: "db/auth/sessions.ts",
    search: "       and s.last_seen_at > now() - make_interval(secs => ${SESSION_IDLE_SECONDS})\n",
    replace: "\n",
    tests: [ACCESS_TESTS[1]],
  },
  {
    id: "disabled-user-keeps-session",
    what: "a disabled user's session still works",
    file: "db/auth/sessions.ts",
    search: "from sessions s join users u on u.user_id = s.user_id and u.status = 'active'",
    replace: "from sessions s join users u on u.user_id = s.user_id",
    tests: [ACCESS_TESTS[1]],
  },
  {
    id: "link-reusable",
    what: "a one-time link works again after it was used",
    file: "db/auth/links.ts",
    search: "const usable = sql`l.used_at is null and ",
    replace: "const usable = sql`",
    tests: [ACCESS_TESTS[1]],
  },
  {
    id: "login-throttle-one-late",
    what: "an account is throttled one failed login later than the limit",
    file: "worker/auth/routes.ts",
    search: "attempt.account > LOGIN_FAILURES_PER_ACCOUNT",
    replace: "attempt.account > LOGIN_FAILURES_PER_ACCOUNT + 1",
    tests: [ACCESS_TESTS[1]],
  },
  {
    id: "other-site-for-manager",
    what: "a user's session reads a site they have no role on",
    file: "db/auth/access.ts",
    search: "left join sites st on st.site_id = ${siteId ?? null}::text and (u.owner or g.user_id is not null)",
    replace: "left join sites st on st.site_id = ${siteId ?? null}::text",
    tests: [ACCESS_TESTS[0]],
  },
  {
    id: "csrf-token-unchecked",
    what: "a form's CSRF token is not compared with the cookie's",
    file: "app/lib/csrf.server.ts",
    search: 'if (!expected || typeof sent !== "string" || !equal(sent, expected)) {',
    replace: "if (!expected) {",
    tests: ["app/routes/auth.test.ts"],
    project: "app",
  },
];

// The late-data property runs its regression seeds only (30 cases, the same every time) instead of
// 200 cases of a random seed: fast, and a mutant is judged the same way on every run.
const TEST_ENV = { VITE_LATE_DATA_RUNS: "0" };
// A mutant that makes the tests hang counts as killed after this long.
const TIMEOUT_MS = 10 * 60_000;

type Outcome = "killed" | "survived" | "timeout" | "error";
type Result = { mutant: Mutant; outcome: Outcome; seconds: number; detail: string };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function count(text: string, search: string): number {
  let n = 0;
  for (let i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + search.length)) n++;
  return n;
}

/** Every mutant must apply exactly once to the file as it is now; otherwise nothing runs. */
function checkMutants(root: string, mutants: Mutant[]): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const m of mutants) {
    if (ids.has(m.id)) problems.push(`${m.id}: duplicate id`);
    ids.add(m.id);
    const path = join(root, m.file);
    if (!existsSync(path)) {
      problems.push(`${m.id}: ${m.file} does not exist`);
      continue;
    }
    const n = count(readFileSync(path, "utf8"), m.search);
    if (n !== 1) problems.push(`${m.id}: search string found ${n} times in ${m.file} (expected once): ${JSON.stringify(m.search)}`);
    for (const t of m.tests) if (!existsSync(join(root, t))) problems.push(`${m.id}: test file ${t} does not exist`);
  }
  if (problems.length) {
    console.error(`The mutant list is out of step with the code (scripts/mutants.ts):\n  ${problems.join("\n  ")}`);
    process.exit(2);
  }
}

// ---- restoring the source, whatever happens ------------------------------------------------------

/** The file currently mutated: its path, original text and the mutated text written. */
let active: { path: string; original: string; mutated: string; search: string; replace: string } | null = null;
let child: ChildProcess | null = null;

function restore(): void {
  if (!active) return;
  const { path, original, mutated, search, replace } = active;
  active = null;
  const now = existsSync(path) ? readFileSync(path, "utf8") : undefined;
  if (now === original) return;
  if (now === mutated || now === undefined) {
    writeFileSync(path, original);
    return;
  }
  // Someone edited the file while the mutant was in it: undo only the mutation, keep their edit.
  if (replace !== "" && count(now, replace) === 1 && !original.includes(replace)) {
    writeFileSync(path, now.replace(replace, search));
    console.error(`\n${path} changed during the run: the mutation was undone in place, other edits kept.`);
    return;
  }
  const backup = `${path}.before-mutant`;
  writeFileSync(backup, original);
  console.error(`\n${path} changed during the run and the mutation could not be undone safely: the original is in ${backup}.`);
}

function stopChild(): void {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM"); // its process group: vitest, workerd, Postgres
    } catch {
      /* already gone */
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    stopChild();
    restore();
    console.error(`\n${signal}: stopped; source restored.`);
    process.exit(130);
  });
}
process.on("exit", () => {
  stopChild();
  restore();
});
process.on("uncaughtException", (err) => {
  stopChild();
  restore();
  console.error(err);
  process.exit(1);
});

// ---- running tests -------------------------------------------------------------------------------

type Run = { code: number | null; timedOut: boolean; passed: number; failed: number; seconds: number; log: string };

async function runTests(root: string, project: Project, files: string[], logFile: string, bail: boolean): Promise<Run> {
  const started = Date.now();
  const argv = ["vitest", "run", "--project", project, ...(bail ? ["--bail=1"] : []), ...files];
  const chunks: Buffer[] = [];
  const code = await new Promise<number | null>((done) => {
    child = spawn("npx", argv, { cwd: root, env: { ...process.env, ...TEST_ENV, NO_COLOR: "1", FORCE_COLOR: "0" }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d: Buffer) => chunks.push(d));
    child.stderr!.on("data", (d: Buffer) => chunks.push(d));
    child.on("close", (c) => done(c));
    child.on("error", () => done(null));
  }).finally(() => {
    child = null;
  });
  // eslint-disable-next-line no-control-regex
  const output = Buffer.concat(chunks).toString("utf8").replace(/\x1b\[[0-9;]*m/g, "");
  return { ...summarize(output, logFile), code, timedOut: false, seconds: (Date.now() - started) / 1000 };
}

/** The closing `N passed, N failed` line of test/summary-reporter.ts. */
function summarize(output: string, logFile: string) {
  writeFileSync(logFile, output);
  const lines = [...output.matchAll(/^(\d+) passed, (\d+) failed/gm)];
  const last = lines.at(-1);
  return { passed: last ? Number(last[1]) : 0, failed: last ? Number(last[2]) : 0, log: output };
}

async function runWithTimeout(root: string, project: Project, files: string[], logFile: string, bail: boolean): Promise<Run> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<void>((r) => {
    timer = setTimeout(() => {
      timedOut = true;
      stopChild();
      r();
    }, TIMEOUT_MS);
  });
  const run = runTests(root, project, files, logFile, bail);
  await Promise.race([run, timeout]);
  const result = await run;
  clearTimeout(timer);
  return { ...result, timedOut };
}

/** The first failing test's name, for the table. */
function firstFailure(log: string): string {
  const m = log.match(/FAIL\s+\|?(?:worker|app)\|?\s+(\S+)\s+>\s+(.+)/);
  return m ? `${m[1].replace(/^.*\//, "")} > ${m[2].split(" > ").at(-1)!.trim()}` : "";
}

async function runMutant(root: string, m: Mutant, logDir: string): Promise<Result> {
  const path = join(root, m.file);
  const original = readFileSync(path, "utf8");
  if (count(original, m.search) !== 1) {
    return { mutant: m, outcome: "error", seconds: 0, detail: "search string no longer found exactly once" };
  }
  const mutated = original.replace(m.search, () => m.replace);
  active = { path, original, mutated, search: m.search, replace: m.replace };
  try {
    writeFileSync(path, mutated);
    const run = await runWithTimeout(root, m.project ?? "worker", m.tests, join(logDir, `${m.id}.log`), true);
    const outcome: Outcome = run.timedOut
      ? "timeout"
      : run.failed > 0 || (run.code !== 0 && /\bFAIL\b/.test(run.log))
        ? "killed"
        : run.code === 0 && run.passed > 0
          ? "survived"
          : "error";
    const detail = outcome === "killed" ? firstFailure(run.log) : outcome === "error" ? `exit ${run.code}, see .data/mutants/${m.id}.log` : "";
    return { mutant: m, outcome, seconds: run.seconds, detail };
  } finally {
    restore();
  }
}

// ---- scratch copy --------------------------------------------------------------------------------

const SKIP = new Set(["node_modules", ".git", ".data", ".wrangler", ".scratch", "build", "dist"]);

/** A copy of the working tree (uncommitted edits included) with node_modules linked, for --scratch. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "wpd-mutants-"));
  for (const entry of readdirSync(ROOT)) {
    if (SKIP.has(entry)) continue;
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

// ---- main ----------------------------------------------------------------------------------------

function pad(s: string, n: number) {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function table(results: Result[]): string {
  const rows = results.map((r) => [r.mutant.id, r.outcome, `${Math.round(r.seconds)}s`, r.mutant.file, r.detail]);
  const head = ["mutant", "outcome", "time", "file", "caught by / note"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i].length))));
  const line = (r: string[]) => r.map((c, i) => (i === 4 ? c : pad(c, widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main() {
  const only = option("--only")?.split(",").map((s) => s.trim());
  const mutants = only ? MUTANTS.filter((m) => only.includes(m.id)) : MUTANTS;
  if (only && mutants.length !== only.length) {
    console.error(`Unknown mutant(s): ${only.filter((id) => !MUTANTS.some((m) => m.id === id)).join(", ")}`);
    process.exit(2);
  }
  if (flag("--list")) {
    for (const m of mutants) console.log(`${pad(m.id, 30)} ${m.what}\n${" ".repeat(31)}${m.file} -> ${m.tests.join(" ")}`);
    return;
  }
  checkMutants(ROOT, mutants);
  if (flag("--check")) {
    console.log(`${mutants.length} mutants, each applies exactly once.`);
    return;
  }

  const started = Date.now();
  const root = flag("--scratch") ? scratchCopy() : ROOT;
  const logDir = join(ROOT, ".data", "mutants");
  mkdirSync(logDir, { recursive: true });
  console.log(`${mutants.length} mutants${root === ROOT ? " (in place: the source is restored after each)" : ` in a copy at ${root}`}; logs in ${logDir}`);

  try {
    if (!flag("--no-baseline")) {
      // The unmutated code must pass every file the mutants use, or a "killed" means nothing.
      for (const project of ["worker", "app"] as const) {
        const files = [...new Set(mutants.filter((m) => (m.project ?? "worker") === project).flatMap((m) => m.tests))].sort();
        if (files.length === 0) continue;
        process.stdout.write(`baseline (${project}, ${files.length} files) ... `);
        const run = await runWithTimeout(root, project, files, join(logDir, `baseline-${project}.log`), false);
        console.log(`${run.passed} passed, ${run.failed} failed (${Math.round(run.seconds)}s)`);
        if (run.code !== 0 || run.failed > 0 || run.timedOut) {
          console.error(`The unmutated code fails its tests (see .data/mutants/baseline-${project}.log): fix that first, or pass --no-baseline.`);
          process.exitCode = 1;
          return;
        }
      }
    }

    const results: Result[] = [];
    for (const [i, m] of mutants.entries()) {
      process.stdout.write(`[${i + 1}/${mutants.length}] ${m.id} ... `);
      const r = await runMutant(root, m, logDir);
      results.push(r);
      console.log(`${r.outcome} (${Math.round(r.seconds)}s)`);
    }

    const killed = results.filter((r) => r.outcome === "killed" || r.outcome === "timeout").length;
    console.log(`\n${table(results)}\n`);
    const survivors = results.filter((r) => r.outcome === "survived");
    for (const r of survivors) console.log(`survived: ${r.mutant.id}: ${r.mutant.what} (${r.mutant.file}; ran ${r.mutant.tests.join(", ")})`);
    const errors = results.filter((r) => r.outcome === "error");
    for (const r of errors) console.log(`error: ${r.mutant.id}: ${r.detail}`);
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    console.log(`\nmutation score: ${killed}/${results.length} killed (${Math.round((100 * killed) / results.length)} %), ${minutes} min`);
    if (survivors.length || errors.length) process.exitCode = 1;
  } finally {
    restore();
    if (root !== ROOT && !flag("--keep-scratch")) rmSync(root, { recursive: true, force: true });
  }
}

await main();
