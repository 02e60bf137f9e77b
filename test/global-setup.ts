// Starts the real Postgres the worker under test talks to (through the same Neon driver and a local
// WebSocket proxy): the embedded one by default, TEST_DATABASE_URL's server when set. Each run gets
// a fresh database with the migrations applied.
import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { startLocalStack } from "../db/local/stack";
import { startAccessKeysServer } from "./access-keys-server";

export default async function setup(project: TestProject) {
  const dataDir = new URL(`../.data/test/${process.pid}/`, import.meta.url).pathname;
  const stack = await startLocalStack({
    databaseUrl: process.env.TEST_DATABASE_URL,
    database: `wpd_test_${process.pid}`,
    // A cluster of its own per run (initdb takes about a second), so concurrent runs never collide.
    dataDir,
    ephemeral: true,
    durable: false,
    fresh: true,
  });
  if (!stack.localProxy) throw new Error("tests need a local Postgres (TEST_DATABASE_URL must point at 127.0.0.1)");
  project.provide("databaseUrl", stack.databaseUrl);
  // For tests of whole-database passes (the cron), which must not touch other tests' rows.
  project.provide("isolatedDatabaseUrl", await stack.ensureDatabase(`wpd_test_${process.pid}_isolated`, true));
  project.provide("localProxy", stack.localProxy);
  const access = await startAccessKeysServer();
  project.provide("accessTeamUrl", access.teamUrl);
  project.provide("accessPrivateJwk", access.privateJwk);
  project.provide("accessForgedJwk", access.forgedJwk);
  return async () => {
    await access.stop();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
