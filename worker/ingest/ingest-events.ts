import type { Database } from "../../db/client";
import { ingestBatch, type IngestRow, type RecomputeRow } from "../../db/ingest";
import { ApiError } from "../http/errors";
import { deriveEventId, normaliseTimestamp } from "./event-id";
import type { BatchAccepted, Event } from "../../contract/events";

/** The bulk answer (contract/events.ts), and what the caller does with it besides. */
export type IngestSummary = BatchAccepted & {
  /** Not part of the response: the rows whose Queue messages the caller sends. */
  recompute: RecomputeRow[];
};

/**
 * Validated events (plus the raw objects they were parsed from, as one JSON array text, kept
 * verbatim in raw_json) go to the database in one statement; the site is whichever the key
 * belongs to.
 */
export async function ingestEvents(
  db: Database,
  keyHash: string,
  events: Event[],
  rawJson: string,
): Promise<IngestSummary> {
  const declared = new Set(events.map((e) => e.site_id).filter((s): s is string => s !== undefined));
  if (declared.size > 1) {
    throw new ApiError(400, "mixed_sites", "All events of one request must belong to the same site.", [
      { path: "site_id", message: `found ${[...declared].join(", ")}` },
    ]);
  }
  const rows: IngestRow[] = await Promise.all(
    events.map(async (e) => ({
      eventId: e.event_id ?? (await deriveEventId(e)),
      ts: normaliseTimestamp(e.timestamp),
      workerId: e.worker_id,
      workstationId: e.workstation_id,
      eventType: e.event_type,
      confidence: e.confidence,
      count: e.count ?? null,
      modelVersion: e.model_version ?? null,
    })),
  );

  const outcome = await ingestBatch(db, keyHash, [...declared][0] ?? null, rows, rawJson);
  if (outcome.status === "unauthorized") throw invalidKey();
  if (outcome.status === "site_mismatch") {
    throw new ApiError(403, "site_mismatch", `This key belongs to site ${outcome.siteId}, not to the site_id in the events. Nothing was stored.`);
  }
  if (outcome.status === "before_history") {
    const floor = outcome.historyStart.getTime();
    const details = rows
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => Date.parse(r.ts) < floor)
      .slice(0, 100)
      .map(({ i }) => ({
        path: rows.length === 1 ? "timestamp" : `${i}.timestamp`,
        message: `timestamp is before the site's history start, ${outcome.historyStart.toISOString()}`,
      }));
    throw new ApiError(
      422,
      "before_site_history",
      `Site ${outcome.siteId} accepts events from ${outcome.historyStart.toISOString()} on (a camera clock that reset?); an admin can move its history_start. Nothing was stored.`,
      details,
    );
  }
  const results = rows.map((r, i) => ({ event_id: r.eventId, inserted: outcome.inserted[i] ?? false, late: outcome.late[i] ?? false }));
  const inserted = results.filter((r) => r.inserted).length;
  return {
    site_id: outcome.siteId,
    received: rows.length,
    inserted,
    duplicates: rows.length - inserted,
    late: results.filter((r) => r.late).length,
    recompute_requests: outcome.recompute.length,
    results,
    recompute: outcome.recompute,
  };
}

export const invalidKey = () =>
  new ApiError(401, "unauthorized", "The site key is not valid (unknown or revoked). Nothing was stored.");
