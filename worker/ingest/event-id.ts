import type { Event } from "../../contract/events";
import { sha256Hex } from "../lib/sha256";

// What toISOString writes; most cameras send exactly that, and it is its own normal form.
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Normalises a validated ISO timestamp with any offset to UTC with millisecond precision. Parsing
 * costs about a microsecond per event, so the form it would produce anyway is passed through.
 */
export const normaliseTimestamp = (ts: string) => (CANONICAL.test(ts) ? ts : new Date(ts).toISOString());

/**
 * Deterministic id for an event sent without one: SHA-256 over its canonical form, so a camera
 * that retries the same observation (even with another offset notation) collides with itself.
 * Confidence is left out on purpose: a re-scored retry is still the same observation. The site is
 * not part of it because event ids are unique per site (the primary key is (site_id, event_id)).
 */
export async function deriveEventId(e: Event): Promise<string> {
  const canonical = JSON.stringify([
    normaliseTimestamp(e.timestamp),
    e.worker_id,
    e.workstation_id,
    e.event_type,
    e.count ?? null,
    e.model_version ?? null,
  ]);
  return sha256Hex(canonical);
}
