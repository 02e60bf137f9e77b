// npm run db:migrate: applies db/migrations to DATABASE_URL (a Neon database on deploy), or to the
// embedded development database when DATABASE_URL is unset (`--require-url`, used by deploy, refuses that).
import { openProjectDatabase } from "./lib/local-db";

const stack = await openProjectDatabase(
  (line) => {
    if (line.startsWith("applied migrations")) console.log(line);
  },
  { requireUrl: process.argv.includes("--require-url") },
);
console.log(`database is up to date: ${new URL(stack.databaseUrl).host}${new URL(stack.databaseUrl).pathname}`);
await stack.stop();
