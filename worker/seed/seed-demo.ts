import type { Database } from "../../db/client";
import type { RecomputeRow } from "../../db/ingest";
import { createSite, getSite } from "../../db/sites";
import { eventSchema } from "../../contract/events";
import { sha256Hex } from "../lib/sha256";
import { ingestEvents } from "../ingest/ingest-events";
import { newSiteKey } from "../sites/site-key";
import { generateDemoBatches, type SeedOptions } from "./generate";

export const DEMO_SITE = { siteId: "demo", name: "Demo Plant", timeZone: "Europe/Berlin" } as const;

export type SeedProgress = { batches: number; received: number; inserted: number; duplicates: number; late: number };

export type SeedResult = SeedProgress & {
  site_id: string;
  /** Present only when this call created the demo site: the key is never stored in clear. */
  site_key?: string;
  recompute_requests: number;
  duration_ms: number;
};

/**
 * Creates the demo site if needed and streams generated events into it through the same ingest
 * path devices use, batch by batch, so seeded data is indistinguishable from posted data.
 */
export async function seedDemo(
  db: Database,
  opts: Omit<SeedOptions, "timeZone"> & {
    demoKey?: string;
    onProgress?: (p: SeedProgress) => void;
    /** The recompute requests a batch recorded (late events), for the caller to send to the queue. */
    onRecompute?: (rows: RecomputeRow[]) => void;
  },
): Promise<SeedResult> {
  const started = Date.now();
  let siteKey: string | undefined;
  let site = await getSite(db, DEMO_SITE.siteId);
  if (!site) {
    siteKey = opts.demoKey ?? newSiteKey();
    await createSite(db, DEMO_SITE, await sha256Hex(siteKey));
    site = await getSite(db, DEMO_SITE.siteId);
    if (!site) throw new Error("demo site could not be created");
  }

  const progress: SeedProgress = { batches: 0, received: 0, inserted: 0, duplicates: 0, late: 0 };
  let recomputeRequests = 0;
  for (const batch of generateDemoBatches({ ...opts, timeZone: site.timeZone })) {
    const events = batch.map((e) => eventSchema.parse(e));
    const summary = await ingestEvents(db, site.apiKeyHash, events, JSON.stringify(batch));
    progress.batches += 1;
    progress.received += summary.received;
    progress.inserted += summary.inserted;
    progress.duplicates += summary.duplicates;
    progress.late += summary.late;
    recomputeRequests += summary.recompute_requests;
    if (summary.recompute.length) opts.onRecompute?.(summary.recompute);
    opts.onProgress?.({ ...progress });
  }
  return {
    site_id: site.siteId,
    ...(siteKey && !opts.demoKey ? { site_key: siteKey } : {}),
    ...progress,
    recompute_requests: recomputeRequests,
    duration_ms: Date.now() - started,
  };
}
