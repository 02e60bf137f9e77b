import { describe, expect, it } from "vitest";
import { api, event, newSite, query } from "../../test/helpers";
import { holdLocks } from "../../test/reliability/db-faults";

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };

/** Everything a batch writes, per table: nothing may be left behind by a batch that failed. */
async function rowsOf(siteId: string) {
  const [row] = await query<Record<string, string>>(
    `select (select count(*) from events where site_id = $1) as events,
            (select count(*) from ingestion_log where site_id = $1) as ingestion_log,
            (select count(*) from event_streams where site_id = $1) as event_streams,
            (select count(*) from workers where site_id = $1) as workers,
            (select count(*) from workstations where site_id = $1) as workstations,
            (select count(*) from recompute_requests where site_id = $1) as recompute_requests`,
    [siteId],
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

describe("database lost in the middle of a bulk request", () => {
  it("answers 503 with Retry-After, stores none of the batch, and takes the same batch once the database is back", async () => {
    const site = await newSite();
    // An hour of one worker's events on one station a second apart; the last ones are late, so a
    // batch that slipped through half-written would also leave recompute requests behind.
    const batch = Array.from({ length: 5_000 }, (_, i) =>
      event({ timestamp: new Date(Date.UTC(2026, 2, 2, 8) + (i < 4_990 ? i : i - 4_000) * 1000).toISOString(), worker_id: `W${i % 7}`, workstation_id: `S${i % 3}` }),
    );
    await api("/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T09:30:00Z", worker_id: "W0", workstation_id: "S0" }) });
    const before = await rowsOf(site.siteId);

    // Ingest takes the site row FOR SHARE in its one statement; holding it FOR UPDATE parks the
    // request at the database, where the session is then cut.
    const lock = await holdLocks("select 1 from sites where site_id = $1 for update", [site.siteId]);
    let res: Response;
    try {
      const pending = api("/events/bulk", { method: "POST", headers: site.auth, json: batch });
      await lock.terminate(await lock.blockedBackend());
      res = await pending;
    } finally {
      await lock.release();
    }

    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "database_unavailable", details: [] });
    expect(body.error.message).toMatch(/nothing was stored/i);
    expect(await rowsOf(site.siteId)).toEqual(before);

    // The client's retry of the very same batch is stored in full.
    const retry = await api("/events/bulk", { method: "POST", headers: site.auth, json: batch });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ received: 5_000, inserted: 5_000, duplicates: 0 });
    const after = await rowsOf(site.siteId);
    expect(after.events).toBe(before.events + 5_000);
    expect(after.ingestion_log).toBe(before.ingestion_log + 5_000);
    expect(after.workers).toBe(7);
    // Every W0 event of the batch is older than W0's stored 09:30 event: W0, the three workstations
    // it was at and the factory get one pending request each. The other workers had nothing stored,
    // so nothing computed can be behind for them.
    const requests = await query<{ entity: string; status: string }>(
      "select entity_type || ' ' || entity_id as entity, status from recompute_requests where site_id = $1 order by 1",
      [site.siteId],
    );
    expect(requests).toEqual(
      [`factory ${site.siteId}`, "worker W0", "workstation S0", "workstation S1", "workstation S2"]
        .sort()
        .map((entity) => ({ entity, status: "pending" })),
    );
    expect(after.recompute_requests).toBe(before.recompute_requests + requests.length);
  });
});
