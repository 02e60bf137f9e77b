// Two ingest rules (README, "Ingest events") at their edges, which the mutation check
// (scripts/mutants.ts) found untested: a repeat within a batch is the later occurrence (the first
// one is what is stored), and an event is late only when it is older than its stream's newest
// stored event (one at the same time is not).
import { describe, expect, it } from "vitest";
import { api, event, newSite, query } from "../../test/helpers";

type Bulk = { received: number; inserted: number; duplicates: number; late: number; results: { event_id: string; inserted: boolean; late: boolean }[] };

const bulk = async (auth: Record<string, string>, events: unknown[]) => {
  const res = await api("/events/bulk", { method: "POST", headers: auth, json: events });
  expect(res.status).toBe(200);
  return (await res.json()) as Bulk;
};

describe("an id repeated within one batch", () => {
  it("is stored from its first occurrence; the later ones come back as repeats, whatever they carry", async () => {
    const site = await newSite();
    // (`note` is an extra field: kept verbatim in raw_json.)
    const first = { ...event({ event_id: "cam-1:42", event_type: "working", confidence: 0.91, model_version: "v1" }), note: "first" };
    const second = { ...event({ event_id: "cam-1:42", event_type: "idle", confidence: 0.55, model_version: "v2" }), note: "second" };
    const third = { ...event({ event_id: "cam-1:42", timestamp: "2026-03-02T08:30:00Z", event_type: "absent" }), note: "third" };
    const body = await bulk(site.auth, [first, second, third]);
    expect(body).toMatchObject({ received: 3, inserted: 1, duplicates: 2, late: 0 });
    expect(body.results).toEqual([
      { event_id: "cam-1:42", inserted: true, late: false },
      { event_id: "cam-1:42", inserted: false, late: false },
      { event_id: "cam-1:42", inserted: false, late: false },
    ]);
    const rows = await query<{ ts: Date; event_type: string; confidence: number; model_version: string; raw_json: { note: string } }>(
      "select ts, event_type, confidence, model_version, raw_json from events where site_id = $1",
      [site.siteId],
    );
    expect(rows.map((r) => [new Date(r.ts).toISOString(), r.event_type, r.model_version, r.raw_json.note])).toEqual([
      ["2026-03-02T08:00:00.000Z", "working", "v1", "first"],
    ]);
    expect(rows[0].confidence).toBeCloseTo(0.91, 5);
    const log = await query<{ times_seen: number }>("select times_seen from ingestion_log where site_id = $1", [site.siteId]);
    expect(log).toEqual([{ times_seen: 3 }]);
  });
});

describe("late flags at the edge", () => {
  it("an event at the same time as its stream's newest is not late; a millisecond earlier is", async () => {
    const site = await newSite();
    await bulk(site.auth, [event({ timestamp: "2026-03-02T08:00:00Z" })]);
    const body = await bulk(site.auth, [
      // the same instant, another observation of the same camera: not older than what is stored
      event({ timestamp: "2026-03-02T08:00:00Z", event_type: "product_count", count: 2 }),
      event({ timestamp: "2026-03-02T09:00:00+01:00", event_type: "idle", event_id: "same-instant-other-offset" }),
      event({ timestamp: "2026-03-02T07:59:59.999Z", event_type: "idle" }),
    ]);
    expect(body.results.map((r) => [r.inserted, r.late])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ]);
    expect(body.late).toBe(1);
    const rows = await query<{ ts: Date; event_type: string; is_late: boolean }>(
      "select ts, event_type, is_late from events where site_id = $1 order by ts, event_type",
      [site.siteId],
    );
    expect(rows.map((r) => [new Date(r.ts).toISOString().slice(11), r.event_type, r.is_late])).toEqual([
      ["07:59:59.999Z", "idle", true],
      ["08:00:00.000Z", "idle", false],
      ["08:00:00.000Z", "product_count", false],
      ["08:00:00.000Z", "working", false],
    ]);
  });
});
