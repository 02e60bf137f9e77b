// Child processes of the local tooling (wrangler dev, wrangler pages dev, builds): output
// forwarded line by line, stopped by PID, and waited on until they answer.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

// The last lines each child printed, for the error when it exits before it answers.
const recentOutput = new WeakMap<ChildProcess, string[]>();

/** Starts a project binary from node_modules/.bin directly (not through npx, whose child outlives a kill). */
export function spawnTool(bin: string, args: string[], onLine?: (line: string) => void): ChildProcess {
  const child = spawn(`${projectRoot}node_modules/.bin/${bin}`, args, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const recent: string[] = [];
  recentOutput.set(child, recent);
  const emit = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      onLine?.(line);
    }
  };
  child.stdout?.on("data", emit);
  child.stderr?.on("data", emit);
  return child;
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Polls `ready` every half second for up to two minutes; stops the child if it never answers. */
export async function waitUntilReady(child: ChildProcess, what: string, ready: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) {
      const tail = recentOutput.get(child)?.join("\n");
      throw new Error(`${what} exited (${child.exitCode})${tail ? `; its last output:\n${tail}` : ""}`);
    }
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  await stopChild(child);
  throw new Error(`${what} did not answer within 2 minutes`);
}
