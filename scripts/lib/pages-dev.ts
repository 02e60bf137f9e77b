// Builds the dashboard and serves it with `wrangler pages dev`, bound to a running API worker
// through the local dev registry (service binding API -> productivity-api). Used by `npm run dev`
// and the end-to-end tests; stopped by PID like the API.
import type { ChildProcess } from "node:child_process";
import { spawnTool, stopChild, waitUntilReady } from "./processes";

export type PagesServer = { url: string; child: ChildProcess; stop: () => Promise<void> };

/** `remix vite:build` into build/: client assets and the server bundle pages/functions imports. */
export function buildDashboard(onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnTool("remix", ["vite:build"], onLine);
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`dashboard build failed (exit ${code})`))));
  });
}

export async function startPagesDev(opts: {
  port: number;
  /** Local values for the app's vars and secrets (SESSION_SECRET, API_BASE). */
  vars: Record<string, string | undefined>;
  /** Bind API to this worker name instead of pages/wrangler.toml's productivity-api. */
  apiWorkerName?: string;
  onLine?: (line: string) => void;
}): Promise<PagesServer> {
  // `pages dev` ignores --env-file; bindings on the command line are its way to take local values.
  const bindings = Object.entries(opts.vars).flatMap(([k, v]) => (v === undefined ? [] : ["--binding", `${k}=${v}`]));
  const service = opts.apiWorkerName ? ["--service", `API=${opts.apiWorkerName}`] : [];
  const child = spawnTool(
    "wrangler",
    // pages/ is the Pages project: its wrangler.toml and functions/ (the root config is the API's).
    ["pages", "dev", "--cwd", "pages", "--ip", "127.0.0.1", "--port", String(opts.port), ...bindings, ...service, "--show-interactive-dev-session=false"],
    opts.onLine,
  );
  const url = `http://127.0.0.1:${opts.port}`;
  // Any answer from the app itself (even an error page) means it is up.
  await waitUntilReady(child, "wrangler pages dev", () => fetch(`${url}/assets/`, { method: "HEAD" }).then(() => true, () => false));
  return { url, child, stop: () => stopChild(child) };
}
