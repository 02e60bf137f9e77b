// Shared by the metrics tests: a database connection for calling db/metrics directly, posting
// events, and comparing metric objects with a tolerance on floating-point fields.
import { connect, type Connection } from "../../db/client";
import type { EventInput } from "../../contract/events";
import { api, query, testEnv } from "../helpers";
import type { RefEvent } from "./metrics-reference";

export async function withDb<T>(fn: (db: Connection["db"]) => Promise<T>): Promise<T> {
  const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
  try {
    return await fn(conn.db);
  } finally {
    await conn.close();
  }
}

/** Posts events in bulk (up to 5,000 per request) with the site's key; throws on any refusal. */
export async function postEvents(auth: Record<string, string>, events: EventInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += 5000) {
    const res = await api("/events/bulk", { method: "POST", headers: auth, json: events.slice(i, i + 5000) });
    if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  }
}

/** The site's stored events in the reference's shape (what ingest kept, with its late flags). */
export async function storedEvents(siteId: string): Promise<RefEvent[]> {
  const rows = await query<{
    event_id: string;
    ts: string | Date;
    worker_id: string;
    workstation_id: string;
    event_type: RefEvent["event_type"];
    confidence: number;
    count: number | null;
    is_late: boolean;
  }>(
    "select event_id, ts, worker_id, workstation_id, event_type, confidence, count, is_late from events where site_id = $1",
    [siteId],
  );
  return rows.map((r) => ({ ...r, ts: new Date(r.ts).getTime() }));
}

/**
 * Deep equality where numbers may differ by `tolerance` (absolute, or relative for large values),
 * except seconds (`*_seconds`), which are reported to the millisecond and must be identical;
 * returns the path and values of the first difference, or null.
 */
export function firstDifference(actual: unknown, expected: unknown, tolerance = 1e-6, path = "$"): string | null {
  if (typeof expected === "number" && typeof actual === "number") {
    const allowed = path.endsWith("_seconds") ? 0 : tolerance;
    const ok = Math.abs(actual - expected) <= allowed * Math.max(1, Math.abs(expected));
    return ok ? null : `${path}: ${actual} != ${expected}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: not an array (${JSON.stringify(actual)})`;
    if (actual.length !== expected.length) return `${path}: length ${actual.length} != ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDifference(actual[i], expected[i], tolerance, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") return `${path}: ${JSON.stringify(actual)} is not an object`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const d = firstDifference((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], tolerance, `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`;
}
