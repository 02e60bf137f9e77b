// Starts `wrangler dev` for the API against a given database and stops it by PID. Used by
// `npm run dev` and the benchmarks; the binary is started directly (not through npx) so that
// killing it stops its runtime too.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { projectRoot, spawnTool, stopChild, waitUntilReady } from "./processes";

export type WorkerServer = { url: string; child: ChildProcess; stop: () => Promise<void> };

export async function startWorkerDev(opts: {
  port: number;
  vars: Record<string, string | undefined>;
  /** Name for the generated env file under .wrangler/ (one per concurrent server). */
  name: string;
  onLine?: (line: string) => void;
  extraArgs?: string[];
}): Promise<WorkerServer> {
  const varsFile = `${projectRoot}.wrangler/${opts.name}.env`;
  mkdirSync(`${projectRoot}.wrangler`, { recursive: true });
  writeFileSync(
    varsFile,
    Object.entries(opts.vars)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
  );
  const child = spawnTool(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--env-file", varsFile, "--show-interactive-dev-session=false", ...(opts.extraArgs ?? [])],
    opts.onLine,
  );
  const url = `http://127.0.0.1:${opts.port}`;
  await waitUntilReady(child, "wrangler dev", () => fetch(`${url}/api/health`).then((r) => r.ok, () => false));
  return { url, child, stop: () => stopChild(child) };
}
