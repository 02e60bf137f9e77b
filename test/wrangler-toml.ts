/// <reference types="vite/client" />
// wrangler.toml as tests read it, to check the values the code shares with it. The Workers runtime
// cannot read files, so vite inlines the text; this reads only the flat shapes the file uses
// (`key = value` lines, inline tables, arrays of strings) and throws on anything else.
import wranglerToml from "../wrangler.toml?raw";

type Table = Record<string, unknown>;

function value(raw: string): unknown {
  if (raw.startsWith("{") && raw.endsWith("}")) {
    const pairs = raw.slice(1, -1).split(",").filter((p) => p.trim());
    return Object.fromEntries(pairs.map((p) => entry(p) ?? fail(p)));
  }
  if (/^-?\d[\d_]*$/.test(raw)) return Number(raw.replace(/_/g, ""));
  if (raw === "true" || raw === "false") return raw === "true";
  // Basic strings and arrays of them are written as JSON writes them.
  if (/^["[]/.test(raw)) return JSON.parse(raw);
  return fail(raw);
}

function fail(raw: string): never {
  throw new Error(`test/wrangler-toml.ts cannot read ${JSON.stringify(raw)}; extend it`);
}

function entry(line: string): [string, unknown] | undefined {
  const m = /^\s*([\w-]+)\s*=\s*(.+?)\s*$/.exec(line);
  return m ? [m[1], value(m[2])] : undefined;
}

/** Every table in file order: `[name]` and each `[[name]]` entry, keys as read. */
function parse(toml: string): { name: string; table: Table }[] {
  const tables = [{ name: "", table: {} as Table }];
  for (const line of toml.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const header = /^\[\[?([\w.-]+)\]\]?$/.exec(trimmed);
    if (header) tables.push({ name: header[1], table: {} });
    else {
      const [key, v] = entry(trimmed) ?? fail(trimmed);
      tables[tables.length - 1].table[key] = v;
    }
  }
  return tables;
}

const tables = parse(wranglerToml);

/** The entries of `[[name]]` (or the one `[name]` table), e.g. `wranglerTables("ratelimits")`. */
export const wranglerTables = (name: string): Table[] => tables.filter((t) => t.name === name).map((t) => t.table);
