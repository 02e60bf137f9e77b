// Workers have no file system, so the SQL migrations drizzle-kit writes are bundled into a module
// the worker (POST /api/setup-db) and the Node scripts both apply. `npm run db:generate` writes it;
// `--check` (run by `npm test`) fails when the bundle and the migrations folder disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderMigrationBundle } from "../db/migrations-bundle-render";

const dir = fileURLToPath(new URL("../db/migrations/", import.meta.url));
const out = fileURLToPath(new URL("../db/migrations.generated.ts", import.meta.url));
const text = renderMigrationBundle((rel) => readFileSync(dir + rel, "utf8"));

if (process.argv.includes("--check")) {
  if (readFileSync(out, "utf8") !== text) {
    console.error("db/migrations.generated.ts is out of date: run `npm run db:generate`.");
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
