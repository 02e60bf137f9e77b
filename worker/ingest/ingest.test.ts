import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, event, fetchWith, newSite, query, recordingQueue, testEnv } from "../../test/helpers";
import worker from "../index";

type Bulk = {
  site_id: string;
  received: number;
  inserted: number;
  duplicates: number;
  late: number;
  recompute_requests: number;
  results: { event_id: string; inserted: boolean; late: boolean }[];
};
type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };

const post = (path: string, auth: Record<string, string>, json: unknown) => api(path, { method: "POST", headers: auth, json });
const storedCount = async (siteId: string) =>
  Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);

/** Runs the worker with a Queue binding that records what it is sent. */
async function withRecordingQueue(req: Request) {
  const { queue, sent } = recordingQueue();
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...testEnv, RECOMPUTE: queue }, ctx);
  await waitOnExecutionContext(ctx);
  return { res, sent };
}

const bulkRequest = (auth: Record<string, string>, events: unknown[]) =>
  new Request("http://wpd.test/api/events/bulk", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(events),
  });

describe("POST /api/events", () => {
  it("stores a new event (201) and reports a retry as not inserted (200)", async () => {
    const site = await newSite();
    const first = await post("/events", site.auth, event());
    expect(first.status).toBe(201);
    const body = (await first.json()) as { event_id: string; inserted: boolean; late: boolean; site_id: string };
    expect(body).toMatchObject({ inserted: true, late: false, site_id: site.siteId });
    expect(body.event_id).toMatch(/^[0-9a-f]{64}$/);

    // Same observation with the timestamp written in another offset: same derived id.
    const retry = await post("/events", site.auth, event({ timestamp: "2026-03-02T09:00:00+01:00" }));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ event_id: body.event_id, inserted: false });
    expect(await storedCount(site.siteId)).toBe(1);

    const [row] = await query<{ ts: Date; raw_json: unknown; confidence: number; is_late: boolean }>(
      "select ts, raw_json, confidence, is_late from events where site_id = $1",
      [site.siteId],
    );
    expect(new Date(row.ts).toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect(row.raw_json).toMatchObject({ worker_id: "W1", timestamp: "2026-03-02T08:00:00Z" });
    expect(row.confidence).toBeCloseTo(0.93, 5);
  });

  it("keeps client-given event ids and treats them as the identity", async () => {
    const site = await newSite();
    expect((await post("/events", site.auth, event({ event_id: "cam-7:000123" }))).status).toBe(201);
    // A different payload with the same id is a retry as far as storage is concerned.
    const again = await post("/events", site.auth, event({ event_id: "cam-7:000123", event_type: "idle" }));
    expect(await again.json()).toMatchObject({ event_id: "cam-7:000123", inserted: false });
    const rows = await query<{ event_type: string }>("select event_type from events where site_id = $1", [site.siteId]);
    expect(rows).toEqual([{ event_type: "working" }]);
  });

  it("stores product counts with their count", async () => {
    const site = await newSite();
    const res = await post("/events", site.auth, event({ event_type: "product_count", count: 3 }));
    expect(res.status).toBe(201);
    const rows = await query<{ count: number }>("select count from events where site_id = $1", [site.siteId]);
    expect(rows).toEqual([{ count: 3 }]);
  });

  it("registers workers and workstations on first sight", async () => {
    const site = await newSite();
    await post("/events/bulk", site.auth, [
      event({ worker_id: "W9", workstation_id: "S4" }),
      event({ worker_id: "W9", workstation_id: "S5", timestamp: "2026-03-02T08:01:00Z" }),
    ]);
    const workers = await query("select worker_id from workers where site_id = $1", [site.siteId]);
    const stations = await query("select workstation_id from workstations where site_id = $1 order by 1", [site.siteId]);
    expect(workers).toEqual([{ worker_id: "W9" }]);
    expect(stations).toEqual([{ workstation_id: "S4" }, { workstation_id: "S5" }]);
  });
});

describe("validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["missing timestamp", { timestamp: undefined }, "timestamp"],
    ["timestamp without offset", { timestamp: "2026-03-02T08:00:00" }, "timestamp"],
    ["timestamp that is not a date", { timestamp: "yesterday" }, "timestamp"],
    ["timestamp far in the future", { timestamp: "2999-01-01T00:00:00Z" }, "timestamp"],
    ["timestamp before 2000", { timestamp: "1999-12-31T23:59:59Z" }, "timestamp"],
    ["confidence above 1", { confidence: 1.5 }, "confidence"],
    ["confidence below 0", { confidence: -0.1 }, "confidence"],
    ["confidence as a string", { confidence: "0.9" }, "confidence"],
    ["unknown event type", { event_type: "sleeping" }, "event_type"],
    ["product_count without count", { event_type: "product_count" }, "count"],
    ["count on a state event", { count: 2 }, "count"],
    ["zero count", { event_type: "product_count", count: 0 }, "count"],
    ["fractional count", { event_type: "product_count", count: 1.5 }, "count"],
    ["empty worker id", { worker_id: "" }, "worker_id"],
    ["missing workstation id", { workstation_id: undefined }, "workstation_id"],
    ["worker id with quotes", { worker_id: "W1'; drop table events;--" }, "worker_id"],
  ];
  it.each(cases)("rejects %s with 400 naming the field, storing nothing", async (_name, patch, field) => {
    const site = await newSite();
    const res = await post("/events", site.auth, { ...event(), ...patch });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.map((d) => d.path)).toContain(field);
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("names the index of the failing event in a bulk request and stores none of the batch", async () => {
    const site = await newSite();
    const res = await post("/events/bulk", site.auth, [event(), event({ confidence: 2 }), event({ event_type: "nap" as never })]);
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as ErrorBody).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["1.confidence", "2.event_type"]));
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("answers malformed JSON, wrong content type and empty batches with clear errors", async () => {
    const site = await newSite();
    const malformed = await api("/events", {
      method: "POST",
      headers: { ...site.auth, "content-type": "application/json" },
      body: '{"timestamp": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe("invalid_json");

    const text = await api("/events", { method: "POST", headers: { ...site.auth, "content-type": "text/plain" }, body: "hi" });
    expect(text.status).toBe(415);
    expect(((await text.json()) as ErrorBody).error.code).toBe("unsupported_media_type");

    const empty = await post("/events/bulk", site.auth, []);
    expect(empty.status).toBe(400);
  });

  it("refuses more than 5,000 events with 413", async () => {
    const site = await newSite();
    const events = Array.from({ length: 5001 }, (_, i) => event({ timestamp: new Date(Date.UTC(2026, 2, 2) + i * 1000).toISOString() }));
    const res = await post("/events/bulk", site.auth, events);
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("too_many_events");
    expect(body.error.message).toMatch(/5000/);
    expect(await storedCount(site.siteId)).toBe(0);
  });
});

describe("POST /api/events/bulk", () => {
  it("dedupes within a batch and across retries, with per-event flags and totals", async () => {
    const site = await newSite();
    const a = event({ timestamp: "2026-03-02T08:00:00Z" });
    const b = event({ timestamp: "2026-03-02T08:05:00Z", event_type: "idle" });
    const c = event({ timestamp: "2026-03-02T08:06:00Z", event_type: "product_count", count: 2 });
    const first = (await (await post("/events/bulk", site.auth, [a, b, a, c])).json()) as Bulk;
    expect(first).toMatchObject({ received: 4, inserted: 3, duplicates: 1, late: 0 });
    expect(first.results.map((r) => r.inserted)).toEqual([true, true, false, true]);
    expect(first.results[0].event_id).toBe(first.results[2].event_id);

    const retry = (await (await post("/events/bulk", site.auth, [c, b, a])).json()) as Bulk;
    expect(retry).toMatchObject({ received: 3, inserted: 0, duplicates: 3 });
    expect(retry.results.map((r) => r.event_id)).toEqual([first.results[3].event_id, first.results[1].event_id, first.results[0].event_id]);
    expect(await storedCount(site.siteId)).toBe(3);

    const log = await query<{ times_seen: number }>(
      "select times_seen from ingestion_log where site_id = $1 and event_id = $2",
      [site.siteId, first.results[0].event_id],
    );
    expect(log).toEqual([{ times_seen: 3 }]);
  });

  it("rejects events of different sites in one request", async () => {
    const site = await newSite();
    const res = await post("/events/bulk", site.auth, [event({ site_id: site.siteId }), event({ site_id: "other" })]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.code).toBe("mixed_sites");
  });
});

describe("late events", () => {
  it("flags events older than what is stored for the worker/workstation and records recompute requests", async () => {
    const site = await newSite({ maxStateSeconds: 600 });
    await post("/events/bulk", site.auth, [event({ timestamp: "2026-03-02T10:00:00Z" })]);

    const { res, sent } = await withRecordingQueue(
      bulkRequest(site.auth, [
        event({ timestamp: "2026-03-02T09:55:00Z", event_type: "idle" }), // late: 10:00 is stored
        event({ timestamp: "2026-03-02T09:58:00Z", event_type: "product_count", count: 1 }), // late
        event({ timestamp: "2026-03-02T10:30:00Z" }), // on time
        event({ timestamp: "2026-03-02T08:00:00Z", workstation_id: "S2" }), // first of its pair, but older than W1's newest
      ]),
    );
    const body = (await res.json()) as Bulk;
    expect(body.results.map((r) => r.late)).toEqual([true, true, false, false]);
    expect(body.late).toBe(2);

    const late = await query<{ is_late: boolean; n: string }>(
      "select is_late, count(*) as n from events where site_id = $1 group by is_late order by is_late",
      [site.siteId],
    );
    expect(late).toEqual([{ is_late: false, n: "3" }, { is_late: true, n: "2" }]);

    // A state event changes its worker's time up to the worker's next stored state event (10:00):
    // 09:55 changes hour 09 for W1, S1 and the factory; the product count at 09:58 its own hour.
    // The 08:00 event is not late for its pair, but it takes W1's time from 08:00 to 10:00 (S2).
    // Both are W1's first state events so far, which may make the event at 10:00 a station change:
    // its hour is requested too.
    // One request per entity, spanning all of its hours.
    const requests = await query<{ entity_type: string; entity_id: string; window_start: Date; window_end: Date; status: string }>(
      "select entity_type, entity_id, window_start, window_end, status from recompute_requests where site_id = $1 order by entity_type, entity_id",
      [site.siteId],
    );
    const summary = requests.map((r) => `${r.entity_type}:${r.entity_id}@${new Date(r.window_start).toISOString().slice(11, 16)}-${new Date(r.window_end).toISOString().slice(11, 16)}:${r.status}`);
    expect(summary).toEqual([
      `factory:${site.siteId}@08:00-11:00:pending`,
      "worker:W1@08:00-11:00:pending",
      "workstation:S1@09:00-11:00:pending",
      "workstation:S2@08:00-11:00:pending",
    ]);
    expect(body.recompute_requests).toBe(4);

    // One Queue message per recorded request, carrying its id and window.
    expect(sent).toHaveLength(4);
    expect(sent).toContainEqual(
      expect.objectContaining({ site_id: site.siteId, entity_type: "worker", entity_id: "W1", window_start: "2026-03-02T08:00:00.000Z", window_end: "2026-03-02T11:00:00.000Z" }),
    );
    expect(new Set(sent.map((m) => m.request_id)).size).toBe(4);

    // A later batch reaching further widens the pending requests instead of adding new ones, and
    // announces only those it widened.
    const wider = await withRecordingQueue(bulkRequest(site.auth, [event({ timestamp: "2026-03-02T07:30:00Z", workstation_id: "S2" })]));
    expect(wider.res.status).toBe(200);
    expect(wider.sent.map((m) => `${m.entity_type}:${m.entity_id}@${m.window_start.slice(11, 16)}-${m.window_end.slice(11, 16)}`).sort()).toEqual([
      `factory:${site.siteId}@07:00-11:00`,
      "worker:W1@07:00-11:00",
      "workstation:S2@07:00-11:00",
    ]);
    expect(await query("select id from recompute_requests where site_id = $1", [site.siteId])).toHaveLength(4);
  });

  it("requests a worker's first event's hours up to now, a later event's up to the cap, and drops the lists", async () => {
    const site = await newSite();
    await post("/events", site.auth, event({ timestamp: "2026-03-02T10:00:00Z" }));
    // Roll the site's hours up to now: every later event lands in built hours.
    expect((await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
    const list = await fetchWith(testEnv, `/metrics/cache/workers?start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z&populate=true`, { headers: site.read });
    expect(list.status).toBe(200);
    // today's lists (the pass caches them) and this one
    expect(await query("select 1 from metrics_cache where site_id = $1 and entity_id = '*'", [site.siteId])).toHaveLength(3);
    const before = Date.now();
    await post("/events", site.auth, event({ timestamp: "2026-03-02T11:00:00Z" }));
    // A new worker: its first event changes every hour from it to now, and the cached lists (which
    // name every worker of the site) are dropped.
    await post("/events", site.auth, event({ timestamp: "2026-03-02T09:00:00Z", worker_id: "W9", workstation_id: "S9" }));
    const rows = await query<{ entity_type: string; entity_id: string; window_start: Date; window_end: Date }>(
      "select entity_type, entity_id, window_start, window_end from recompute_requests where site_id = $1 and entity_type = 'worker' order by entity_id",
      [site.siteId],
    );
    const after = Date.now();
    // W1's 11:00 event follows its 10:00 one: it changes W1's time for at most the cap (600 s).
    expect(rows.map((r) => [r.entity_id, new Date(r.window_start).toISOString()])).toEqual([
      ["W1", "2026-03-02T11:00:00.000Z"],
      ["W9", "2026-03-02T09:00:00.000Z"],
    ]);
    expect(new Date(rows[0].window_end).toISOString()).toBe("2026-03-02T12:00:00.000Z");
    // W9's runs up to the end of the hour the request was made in.
    const end = new Date(rows[1].window_end).getTime();
    expect(end % 3_600_000).toBe(0);
    expect(end).toBeGreaterThan(before);
    expect(end).toBeLessThanOrEqual(after + 3_600_000);
    expect(await query("select 1 from metrics_cache where site_id = $1 and entity_id = '*'", [site.siteId])).toEqual([]);
  });

  it("refuses a reset camera clock (2000-01-01) on a site created with the default history start", async () => {
    const siteId = `hist${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const created = await api("/sites", { method: "POST", headers: ADMIN, json: { site_id: siteId, name: "Default history" } });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${((await created.json()) as { site_key: string }).site_key}` };
    const reset = await post("/events", auth, event({ timestamp: "2000-01-01T00:00:07Z" }));
    expect(reset.status).toBe(422);
    expect(((await reset.json()) as ErrorBody).error).toMatchObject({ code: "before_site_history", details: [{ path: "timestamp" }] });
    // A year of history is accepted.
    const old = await post("/events", auth, event({ timestamp: new Date(Date.now() - 360 * 86_400_000).toISOString() }));
    expect(old.status).toBe(201);
    expect(await storedCount(siteId)).toBe(1);
  });

  it("refuses a batch reaching before the site's history start with 422, storing none of it", async () => {
    const site = await newSite();
    const res = await post("/events/bulk", site.auth, [event({ timestamp: "2026-03-02T10:00:00Z" }), event({ timestamp: "2019-12-31T23:59:59Z" })]);
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("before_site_history");
    expect(body.error.details).toEqual([{ path: "1.timestamp", message: "timestamp is before the site's history start, 2020-01-01T00:00:00.000Z" }]);
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("also requests the workstation whose interval a late state event cuts", async () => {
    const site = await newSite();
    await post("/events/bulk", site.auth, [event({ timestamp: "2026-03-02T10:00:00Z" }), event({ timestamp: "2026-03-02T10:30:00Z", event_type: "idle" })]);
    // Late: at 10:10 W1 moved to S2, so S1's interval from 10:00 now ends at 10:10.
    await post("/events", site.auth, event({ timestamp: "2026-03-02T10:10:00Z", workstation_id: "S2", event_type: "idle" }));
    const rows = await query<{ entity_id: string }>(
      "select entity_id from recompute_requests where site_id = $1 and entity_type = 'workstation' order by entity_id",
      [site.siteId],
    );
    expect(rows.map((r) => r.entity_id)).toEqual(["S1", "S2"]);
  });

  it("coalesces a burst of late events for one hour into the pending requests", async () => {
    const site = await newSite({ maxStateSeconds: 60 });
    await post("/events", site.auth, event({ timestamp: "2026-03-02T12:00:00Z" }));
    const burst = Array.from({ length: 200 }, (_, i) => event({ timestamp: new Date(Date.UTC(2026, 2, 2, 11, 5) + i * 10_000).toISOString(), event_type: i % 2 ? "idle" : "working" }));
    const first = await withRecordingQueue(bulkRequest(site.auth, burst.slice(0, 100)));
    expect(((await first.res.json()) as Bulk).late).toBe(100);
    expect(first.sent).toHaveLength(3); // worker, workstation, factory for 11:00
    const second = await withRecordingQueue(bulkRequest(site.auth, burst.slice(100)));
    expect(((await second.res.json()) as Bulk).late).toBe(100);
    expect(second.sent).toHaveLength(0);
    const rows = await query("select id from recompute_requests where site_id = $1", [site.siteId]);
    expect(rows).toHaveLength(3);
  });

  it("still stores the batch when the queue send fails, leaving the requests pending", async () => {
    const site = await newSite();
    await post("/events", site.auth, event({ timestamp: "2026-03-02T10:00:00Z" }));
    const failing = { sendBatch: async () => { throw new Error("queue down"); }, send: async () => { throw new Error("queue down"); } } as unknown as Queue;
    const ctx = createExecutionContext();
    const res = await worker.fetch(bulkRequest(site.auth, [event({ timestamp: "2026-03-02T09:59:00Z" })]), { ...testEnv, RECOMPUTE: failing }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const pending = await query<{ entity_type: string; window_start: Date; window_end: Date }>(
      "select entity_type, window_start, window_end from recompute_requests where site_id = $1 and status = 'pending' order by entity_type",
      [site.siteId],
    );
    // (The worker's first state event: it may make the 10:00 event a station change, so its hour too.)
    expect(pending.map((r) => [r.entity_type, new Date(r.window_start).toISOString(), new Date(r.window_end).toISOString()])).toEqual(
      ["factory", "worker", "workstation"].map((t) => [t, "2026-03-02T09:00:00.000Z", "2026-03-02T11:00:00.000Z"]),
    );
  });
});

describe("auth", () => {
  it("refuses a missing or wrong key with 401 and stores nothing", async () => {
    const site = await newSite();
    const none = await api("/events", { method: "POST", json: event() });
    expect(none.status).toBe(401);
    expect(((await none.json()) as ErrorBody).error.code).toBe("unauthorized");
    const wrong = await post("/events/bulk", { authorization: "Bearer wpd_not_a_key" }, [event({ site_id: site.siteId })]);
    expect(wrong.status).toBe(401);
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("answers 401, not what else is wrong, to a request without a valid key", async () => {
    const site = await newSite();
    const wrongKey = { authorization: "Bearer wpd_not_a_key" };
    const bad = [{ ...event(), confidence: 7 }];
    expect((await post("/events/bulk", wrongKey, bad)).status).toBe(401);
    expect((await post("/events/bulk", wrongKey, Array.from({ length: 5001 }, () => event()))).status).toBe(401);
    const noKeyWrongType = await api("/events", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
    expect(noKeyWrongType.status).toBe(401);
    // With the right key the same requests say what is wrong.
    const invalid = await post("/events/bulk", site.auth, bad);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as ErrorBody).error.details[0].path).toBe("0.confidence");
  });

  it("refuses events that name another site than the key's with 403", async () => {
    const a = await newSite();
    const b = await newSite();
    const res = await post("/events", a.auth, event({ site_id: b.siteId }));
    expect(res.status).toBe(403);
    expect(await storedCount(a.siteId)).toBe(0);
    expect(await storedCount(b.siteId)).toBe(0);
  });

  it("a rotated key stops working at once", async () => {
    const site = await newSite();
    const rotated = await api(`/sites/${site.siteId}/rotate-key`, { method: "POST", headers: ADMIN });
    const { site_key } = (await rotated.json()) as { site_key: string };
    expect((await post("/events", site.auth, event())).status).toBe(401);
    expect((await post("/events", { authorization: `Bearer ${site_key}` }, event())).status).toBe(201);
  });
});

describe("database unreachable", () => {
  it("answers 503 with Retry-After and the error envelope", async () => {
    const site = await newSite();
    const ctx = createExecutionContext();
    const down = { ...testEnv, DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/nowhere" };
    const res = await worker.fetch(bulkRequest(site.auth, [event()]), down, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(((await res.json()) as ErrorBody).error.code).toBe("database_unavailable");
    expect(await storedCount(site.siteId)).toBe(0);
  });
});
