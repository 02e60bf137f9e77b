import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, query } from "../../test/helpers";
import { eventSchema, MIN_CONFIDENCE } from "../../contract/events";

type Envelope = { error?: { code: string; message: string; details: unknown[] } };
type Refusal = { code: string; message: string; details: { path: string; message: string }[] };
type Stored = { event_id: string; inserted: boolean };

const storedCount = async (siteId: string) =>
  Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);

const BAD_KEY = { authorization: "Bearer wpd_not_a_key" };

/** Posts JSON text as is: a value nested 30,000 deep cannot go through JSON.stringify. */
const postText = (path: string, auth: Record<string, string>, body: string) =>
  api(path, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body });

/** Asserts the exact refusal and returns its error. */
async function expectRefusal(res: Response, status: number, code: string): Promise<Refusal> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const { error } = JSON.parse(text) as { error: Refusal };
  expect(error.code, text).toBe(code);
  expect(error.message).toEqual(expect.any(String));
  expect(Array.isArray(error.details)).toBe(true);
  return error;
}

// The ingest rules as the README states them, worked out here independently of the worker's code
// (the schema itself stands in for the field table).
const SCHEMA_FIELDS = new Set(Object.keys(eventSchema.shape));
const EXTRA_MAX_DEPTH = 16;
const EXTRA_MAX_BYTES = 16_384;
const HISTORY_START = Date.parse("2020-01-01T00:00:00Z"); // what newSite() sets

/** Levels of arrays and objects: a scalar is 0, `[]` and `{"a": 1}` are 1. */
const depthOf = (v: unknown): number =>
  v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
const utf8Bytes = (s: string) => new TextEncoder().encode(s).byteLength;
/** No NUL and no unpaired surrogate in any string or key (with the u flag a paired one is one code point). */
const storable = (v: unknown): boolean =>
  typeof v === "string"
    ? !/[\u0000\p{Cs}]/u.test(v)
    : v === null || typeof v !== "object" || Object.entries(v).every(([k, x]) => storable(k) && storable(x));

/** The refusal a single event must get, in the order the README's rules apply; undefined: stored. */
function expectedRefusal(sent: unknown, siteId: string): { status: number; code: string } | undefined {
  const parsed = eventSchema.safeParse(sent);
  if (!parsed.success) return { status: 400, code: "validation_failed" };
  const extra = Object.entries(sent as object).filter(([k]) => !SCHEMA_FIELDS.has(k));
  if (extra.some(([, v]) => depthOf(v) > EXTRA_MAX_DEPTH)) return { status: 400, code: "extra_fields_too_deep" };
  if (utf8Bytes(JSON.stringify(Object.fromEntries(extra))) > EXTRA_MAX_BYTES) return { status: 413, code: "extra_fields_too_large" };
  if (!storable(sent)) return { status: 400, code: "invalid_characters" };
  if (parsed.data.site_id !== undefined && parsed.data.site_id !== siteId) return { status: 403, code: "site_mismatch" };
  if (Date.parse(parsed.data.timestamp) < HISTORY_START) return { status: 422, code: "before_site_history" };
  return undefined;
}

/** The stored row of an event, in the form the event was sent. */
async function storedRow(siteId: string, eventId: string) {
  const rows = await query<Record<string, unknown> & { ts: string; confidence: number; raw_json: unknown }>(
    `select event_id, ts, worker_id, workstation_id, event_type, confidence, count, model_version, raw_json
     from events where site_id = $1 and event_id = $2`,
    [siteId, eventId],
  );
  return rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString() }));
}

/** A value nested `levels` deep, arrays and objects in turn. */
function nested(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = i % 2 ? { k: v } : [v];
  return v;
}

/** Every refusal is a 4xx with the JSON envelope; nothing answers 500. */
async function expectClientError(res: Response) {
  expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  const body = (await res.json()) as Envelope;
  expect(body.error?.code).toEqual(expect.any(String));
  expect(body.error?.message).toEqual(expect.any(String));
  expect(Array.isArray(body.error?.details)).toBe(true);
}

describe("bad input never reaches storage and never causes a 500", () => {
  // 150 requests, each followed by a look at the stored rows: time for a loaded 2-core machine.
  it("arbitrary JSON bodies: stored exactly as sent when valid, otherwise the refusal the rules name", { timeout: 180_000 }, async () => {
    const site = await newSite();
    let accepted = 0;
    // Values that pass the schema where they land but break a later rule: text Postgres cannot
    // store, another site, a time before the site's history.
    const nearMiss = fc.constantFrom("a\u0000b", "\ud800", "x\udfffy", site.siteId, "other-site", "2019-06-01T00:00:00Z");
    const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }), nearMiss);
    const validEvent = fc
      .integer({ min: 0, max: 86_399 })
      .map((s) => event({ timestamp: new Date(Date.UTC(2026, 2, 2) + s * 1000).toISOString() }));
    const confidence = fc.oneof(
      fc.constantFrom(0, -0, 1, 0.1, 1e-50, 5e-324, 1e-320, 1.1754943508222875e-38, -5e-324, 1 + Number.EPSILON),
      fc.double({ min: 0, max: 1, noNaN: true }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          // near-valid events with one field replaced by anything
          fc
            .record({
              base: validEvent,
              key: fc.constantFrom("timestamp", "worker_id", "workstation_id", "event_type", "confidence", "count", "model_version", "event_id", "site_id"),
              value: fc.oneof(anyJson, nearMiss),
            })
            .map(({ base, key, value }) => ({ ...base, [key]: value })),
          fc.record({ base: validEvent, value: confidence }).map(({ base, value }) => ({ ...base, confidence: value })),
          // valid events with extra fields, some around the depth and size bounds
          fc
            .record({
              base: validEvent,
              extra: fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 }),
              deep: fc.option(fc.integer({ min: EXTRA_MAX_DEPTH - 2, max: EXTRA_MAX_DEPTH + 2 })),
              pad: fc.option(fc.record({ bytes: fc.integer({ min: EXTRA_MAX_BYTES - 60, max: EXTRA_MAX_BYTES + 10 }), char: fc.constantFrom("x", "é", "😀") })),
            })
            .map(({ base, extra, deep, pad }) => ({
              ...extra,
              ...base,
              ...(deep !== null && { deep: nested(deep) }),
              ...(pad !== null && { pad: pad.char.repeat(Math.floor(pad.bytes / utf8Bytes(pad.char))) }),
            })),
        ),
        async (body) => {
          // What the worker receives: -0 arrives as 0, undefined fields not at all.
          const sent: unknown = JSON.parse(JSON.stringify(body) ?? "null");
          // Counted around each request, so a failure is pinned on its own body (and shrinking
          // is not misled by what an earlier failure left behind).
          const before = await storedCount(site.siteId);
          const res = await api("/events", { method: "POST", headers: site.auth, json: sent });
          const refusal = expectedRefusal(sent, site.siteId);
          if (refusal) {
            await expectRefusal(res, refusal.status, refusal.code);
            expect(await storedCount(site.siteId)).toBe(before);
            return;
          }
          const text = await res.text();
          expect([200, 201], text).toContain(res.status);
          const { event_id, inserted } = JSON.parse(text) as Stored;
          expect(inserted).toBe(res.status === 201);
          expect(await storedCount(site.siteId)).toBe(before + (inserted ? 1 : 0));
          const [row] = await storedRow(site.siteId, event_id);
          // 200 is a repeat (same given id, or same derived one) of an event already stored.
          expect(row, event_id).toBeDefined();
          if (!inserted) return;
          accepted++;
          const e = eventSchema.parse(sent);
          // the column is a 4-byte float (the driver reads it in its shortest decimal form)
          expect({ ...row, confidence: Math.fround(row.confidence) }).toEqual({
            event_id,
            ts: new Date(e.timestamp).toISOString(),
            worker_id: e.worker_id,
            workstation_id: e.workstation_id,
            event_type: e.event_type,
            confidence: Math.fround(e.confidence),
            count: e.count ?? null,
            model_version: e.model_version ?? null,
            raw_json: sent,
          });
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
    // The generators reach the accepted side often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(20);
  });

  it("malformed JSON text is refused as invalid_json", async () => {
    const site = await newSite();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }).filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        }),
        async (text) => {
          const res = await api("/events/bulk", { method: "POST", headers: { ...site.auth, "content-type": "application/json" }, body: text });
          expect(res.status).toBe(400);
          expect(((await res.json()) as Envelope).error?.code).toBe("invalid_json");
        },
      ),
      { numRuns: 40, seed: 7 },
    );
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("huge strings, deep nesting, overflowing numbers, far-out timestamps and a 10 MB body", async () => {
    const site = await newSite();
    const post = (body: unknown) => api("/events", { method: "POST", headers: site.auth, json: body });
    await expectClientError(await post(event({ worker_id: "W".repeat(100_000) })));
    await expectClientError(await post(event({ model_version: "v".repeat(129) })));
    let deep: unknown = event();
    for (let i = 0; i < 5_000; i++) deep = [deep];
    await expectClientError(await post(deep));
    const overflow = await api("/events", {
      method: "POST",
      headers: { ...site.auth, "content-type": "application/json" },
      body: JSON.stringify(event()).replace('"confidence":0.93', '"confidence":1e999'),
    });
    await expectClientError(overflow);
    for (const timestamp of ["+275760-09-13T00:00:00Z", "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-02T25:00:00Z", "2026-03-02T08:00:00+25:00"]) {
      await expectClientError(await post(event({ timestamp })));
    }
    const big = await api("/events/bulk", {
      method: "POST",
      headers: { ...site.auth, "content-type": "application/json" },
      body: JSON.stringify([event({ model_version: "x" })]).padEnd(10 * 1024 * 1024, " "),
    });
    expect(big.status).toBe(413);
    await expectClientError(big);
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("accepts ids in any script but refuses symbols and control characters", async () => {
    const site = await newSite();
    const ok = await api("/events", { method: "POST", headers: site.auth, json: event({ worker_id: "Łukasz-工人_7", workstation_id: "станция.3" }) });
    expect(ok.status).toBe(201);
    // Surrounding whitespace is trimmed; inside an id it is refused like any symbol.
    for (const id of ["W1 😀", "W\u00001", "W\t1", "<script>", "W1;--"]) {
      await expectClientError(await api("/events", { method: "POST", headers: site.auth, json: event({ worker_id: id }) }));
    }
    const rows = await query<{ worker_id: string }>("select worker_id from events where site_id = $1", [site.siteId]);
    expect(rows).toEqual([{ worker_id: "Łukasz-工人_7" }]);
  });
});

describe("text Postgres cannot store (NUL characters, unpaired surrogates)", () => {
  const bad = ["a\u0000b", "\ud800", "x\udfffy"];

  it("is refused with 400 wherever it is sent, and nothing is stored", async () => {
    const site = await newSite();
    for (const [i, text] of bad.entries()) {
      // Fields the schema does not know are kept in raw_json, so they are checked too.
      const single = await api("/events", { method: "POST", headers: site.auth, json: { ...event(), note: text } });
      expect(single.status).toBe(400);
      expect(((await single.json()) as { error: { code: string; details: unknown } }).error).toMatchObject({
        code: "invalid_characters",
        details: [{ path: "note" }],
      });
      const bulk = await api("/events/bulk", {
        method: "POST",
        headers: site.auth,
        json: [event({ timestamp: "2026-03-02T09:00:00Z" }), { ...event({ timestamp: "2026-03-02T09:01:00Z" }), extra: { [text]: 1 } }],
      });
      expect(bulk.status).toBe(400);
      expect(((await bulk.json()) as { error: { details: { path: string }[] } }).error.details[0].path).toBe(`1.extra.${text}`);
      await expectClientError(await api("/events", { method: "POST", headers: site.auth, json: event({ worker_id: text }) }));
      const named = await api("/sites", { method: "POST", headers: ADMIN, json: { site_id: `${site.siteId}-n${i}`, name: text } });
      expect(named.status).toBe(400);
    }
    // In a URL: a percent-encoded NUL, and the UTF-8 bytes a surrogate would have (not valid UTF-8).
    const window = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
    for (const q of ["a%00b", "%ED%A0%80"]) {
      for (const path of [`/metrics/worker/${q}?${window}`, `/timeline/workstation/${q}?${window}`, `/metrics/factory?${window}&site=${q}`]) {
        const res = await api(path, { headers: path.includes("site=") ? ADMIN : site.read });
        if (q === "a%00b") {
          expect(res.status, path).toBe(400);
          await expectClientError(res);
        } else {
          // The invalid bytes arrive as replacement characters: an id nobody has.
          const code = path.includes("site=") ? "site_not_found" : path.startsWith("/timeline") ? "workstation_not_found" : "worker_not_found";
          await expectRefusal(res, 404, code);
        }
      }
    }
    expect(await storedCount(site.siteId)).toBe(0);
  });
});

describe("injection attempts in ids and query parameters", () => {
  const attempts = ["' or '1'='1", "demo'; drop table events; --", "\"; select pg_sleep(5); --", "%27%20OR%201=1", "$1", "\\x00"];

  it("are refused or treated as plain values, and the tables stay intact", async () => {
    const site = await newSite();
    await api("/events", { method: "POST", headers: site.auth, json: event() });
    for (const a of attempts) {
      const q = encodeURIComponent(a);
      const window = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
      for (const path of [
        `/metrics/worker/${q}?${window}`,
        `/metrics/workstation/${q}?${window}`,
        `/metrics/cache/worker/${q}?${window}&populate=true`,
      ]) {
        const res = await api(path, { headers: site.read });
        expect([400, 404], `${path} -> ${res.status}`).toContain(res.status);
        await expectClientError(res);
      }
      // A timeline of an id nobody has is the same 404 as its metrics.
      await expectRefusal(await api(`/timeline/worker/${q}?${window}`, { headers: site.read }), 404, "worker_not_found");
      // As a site name: no such site; counts of a site nobody has are zero; as a time: not a time.
      await expectRefusal(await api(`/metrics/factory?${window}&site=${q}`, { headers: ADMIN }), 404, "site_not_found");
      const counts = await api(`/debug/counts?site=${q}`, { headers: ADMIN });
      expect(counts.status).toBe(200);
      expect(await counts.json()).toMatchObject({ sites: 0, workers: 0, events: 0 });
      const times = await expectRefusal(await api(`/metrics/factory?start=${q}&end=${q}&site=${site.siteId}`, { headers: ADMIN }), 400, "validation_failed");
      expect(times.details.map((d) => d.path)).toEqual(["start", "end"]);
      await expectClientError(await api("/events", { method: "POST", headers: site.auth, json: event({ event_id: a }) }));
      await expectClientError(await api("/events", { method: "POST", headers: { authorization: `Bearer ${a}` }, json: event() }));
    }
    expect(await storedCount(site.siteId)).toBe(1);
    const tables = await query<{ n: string }>("select count(*) as n from information_schema.tables where table_name in ('events', 'sites', 'ingestion_log')");
    expect(Number(tables[0].n)).toBe(3);
  });
});

describe("confidences a float4 cannot hold", () => {
  const window = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";

  it("are refused with 400 naming the field, through both endpoints, storing none of the batch", async () => {
    const site = await newSite();
    for (const confidence of [1e-50, 5e-324, 1e-320, 1e-39]) {
      const one = await api("/events", { method: "POST", headers: site.auth, json: event({ confidence }) });
      const error = await expectRefusal(one, 400, "validation_failed");
      expect(error.details).toEqual([{ path: "confidence", message: "confidence must be 0 or at least 1.2e-38" }]);
      const bulk = await api("/events/bulk", { method: "POST", headers: site.auth, json: [event({ worker_id: "W2" }), event({ confidence })] });
      const bulkError = await expectRefusal(bulk, 400, "validation_failed");
      expect(bulkError.details).toEqual([{ path: "1.confidence", message: "confidence must be 0 or at least 1.2e-38" }]);
    }
    expect(await query("select 1 from events where site_id = $1", [site.siteId])).toEqual([]);
  });

  it("stores 0, 1, 0.1 and the smallest accepted value, and metrics and drift read them back", async () => {
    const site = await newSite();
    const values = [MIN_CONFIDENCE, 0, 1, 0.1];
    const sent = values.map((confidence, i) => event({ worker_id: `C${i}`, confidence, model_version: "v-edge" }));
    for (const e of sent) expect((await api("/events", { method: "POST", headers: site.auth, json: e })).status).toBe(201);
    const bulk = sent.map((e) => ({ ...e, timestamp: "2026-03-02T09:00:00Z" }));
    const res = await api("/events/bulk", { method: "POST", headers: site.auth, json: bulk });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ inserted: values.length });

    const rows = await query<{ worker_id: string; confidence: number; raw_json: { confidence: number } }>(
      "select worker_id, confidence, raw_json from events where site_id = $1 order by ts, worker_id",
      [site.siteId],
    );
    // The column holds the 4-byte float nearest to what was sent; raw_json keeps it verbatim.
    const expected = [...values, ...values].map((c, i) => ({ worker_id: `C${i % values.length}`, confidence: Math.fround(c), raw: c }));
    expect(rows.map((r) => ({ worker_id: r.worker_id, confidence: Math.fround(r.confidence), raw: r.raw_json.confidence }))).toEqual(expected);

    // Each worker's two events carry the same confidence: its mean is that value.
    for (const [i, c] of values.entries()) {
      const m = await api(`/metrics/worker/C${i}?${window}`, { headers: site.read });
      expect(m.status).toBe(200);
      expect(((await m.json()) as { metrics: { avg_confidence: number } }).metrics.avg_confidence, `C${i}`).toBe(Math.fround(c));
    }
    const drift = await api(`/models/drift?${window}&baseline_start=2026-02-23T00:00:00Z&baseline_end=2026-03-02T00:00:00Z`, { headers: site.read });
    expect(drift.status, await drift.clone().text()).toBe(200);
    const model = ((await drift.json()) as { models: { model_version: string; window: { events: number; histogram: number[] } }[] }).models.find(
      (m) => m.model_version === "v-edge",
    );
    // 1.2e-38 and 0 in the first bin, 0.1 in the second, 1 in the last; twice each.
    expect(model?.window).toMatchObject({ events: 8, histogram: [4, 2, 0, 0, 0, 0, 0, 0, 0, 2] });
  });
});

describe("fields the schema does not know (kept in raw_json)", () => {
  const deepText = (levels: number) => "[".repeat(levels) + "1" + "]".repeat(levels);
  const withExtra = (extra: string, e = event()) => JSON.stringify(e).replace(/}$/, `,"meta":${extra}}`);

  it("may nest 16 levels and are stored verbatim; 17 levels is refused, naming the field", async () => {
    const site = await newSite();
    const ok = { ...event(), meta: nested(EXTRA_MAX_DEPTH) };
    const stored = await api("/events", { method: "POST", headers: site.auth, json: ok });
    expect(stored.status).toBe(201);
    const [row] = await storedRow(site.siteId, ((await stored.json()) as Stored).event_id);
    expect(row.raw_json).toEqual(ok);

    const single = await api("/events", { method: "POST", headers: site.auth, json: { ...event({ worker_id: "W2" }), meta: nested(17) } });
    const error = await expectRefusal(single, 400, "extra_fields_too_deep");
    expect(error.details).toEqual([{ path: "meta", message: expect.stringMatching(/16/) }]);
    const bulk = await api("/events/bulk", {
      method: "POST",
      headers: site.auth,
      json: [event({ worker_id: "W3" }), { ...event({ worker_id: "W4" }), meta: nested(17), tags: [1] }, { ...event({ worker_id: "W5" }), x: { y: nested(16) } }],
    });
    expect((await expectRefusal(bulk, 400, "extra_fields_too_deep")).details.map((d) => d.path)).toEqual(["1.meta", "2.x"]);
    expect(await storedCount(site.siteId)).toBe(1);
  });

  it("nested 30,000 levels (a 59 KB body) get a 400 with a valid key and 401 without, through both endpoints", async () => {
    const site = await newSite();
    const one = withExtra(deepText(30_000));
    expect(one.length).toBeGreaterThan(59_000);
    const single = await expectRefusal(await postText("/events", site.auth, one), 400, "extra_fields_too_deep");
    expect(single.details.map((d) => d.path)).toEqual(["meta"]);
    const bulk = await expectRefusal(await postText("/events/bulk", site.auth, `[${JSON.stringify(event())},${one}]`), 400, "extra_fields_too_deep");
    expect(bulk.details.map((d) => d.path)).toEqual(["1.meta"]);
    await expectRefusal(await postText("/events", BAD_KEY, one), 401, "unauthorized");
    await expectRefusal(await postText("/events/bulk", BAD_KEY, `[${one}]`), 401, "unauthorized");
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("a whole body nested 30,000 levels is parsed without harm and refused as the wrong shape", async () => {
    const site = await newSite();
    for (const path of ["/events", "/events/bulk"]) {
      await expectRefusal(await postText(path, site.auth, deepText(30_000)), 400, "validation_failed");
      await expectRefusal(await postText(path, site.auth, `{"a":`.repeat(30_000) + "1" + "}".repeat(30_000)), 400, "validation_failed");
      await expectRefusal(await postText(path, BAD_KEY, deepText(30_000)), 401, "unauthorized");
    }
    expect(await storedCount(site.siteId)).toBe(0);
  });

  it("may take 16,384 bytes of UTF-8 per event; one byte more is refused with 413, naming the event", async () => {
    const site = await newSite();
    // {"meta":"…"} is 11 bytes besides the string.
    const atLimit = await postText("/events", site.auth, withExtra(JSON.stringify("x".repeat(EXTRA_MAX_BYTES - 11))));
    expect(atLimit.status, await atLimit.clone().text()).toBe(201);
    const [row] = await storedRow(site.siteId, ((await atLimit.json()) as Stored).event_id);
    expect((row.raw_json as { meta: string }).meta).toHaveLength(EXTRA_MAX_BYTES - 11);

    const over = (e = event({ worker_id: "W2" })) => withExtra(JSON.stringify("x".repeat(EXTRA_MAX_BYTES - 10)), e);
    expect((await expectRefusal(await postText("/events", site.auth, over()), 413, "extra_fields_too_large")).details).toEqual([
      { path: "(body)", message: expect.stringMatching(/16385 bytes/) },
    ]);
    // Bytes, not characters: 8,187 two-byte characters are 16,374 bytes.
    await expectRefusal(await postText("/events", site.auth, withExtra(JSON.stringify("é".repeat(8_187)), event({ worker_id: "W2" }))), 413, "extra_fields_too_large");
    // Several fields count together: each of these is half the bound.
    const split = { ...event({ worker_id: "W2" }), a: "x".repeat(EXTRA_MAX_BYTES / 2), b: "x".repeat(EXTRA_MAX_BYTES / 2) };
    await expectRefusal(await api("/events", { method: "POST", headers: site.auth, json: split }), 413, "extra_fields_too_large");
    const bulk = `[${JSON.stringify(event({ worker_id: "W3" }))},${over()},${JSON.stringify(event({ worker_id: "W4" }))},${over(event({ worker_id: "W5" }))}]`;
    expect((await expectRefusal(await postText("/events/bulk", site.auth, bulk), 413, "extra_fields_too_large")).details.map((d) => d.path)).toEqual(["1", "3"]);
    await expectRefusal(await postText("/events/bulk", BAD_KEY, bulk), 401, "unauthorized");
    expect(await storedCount(site.siteId)).toBe(1);
  });

  it("4 MB of extra fields in one event is refused, not stored", async () => {
    const site = await newSite();
    const body = withExtra(JSON.stringify({ blob: "x".repeat(4 * 1024 * 1024) }));
    await expectRefusal(await postText("/events", site.auth, body), 413, "extra_fields_too_large");
    await expectRefusal(await postText("/events/bulk", site.auth, `[${body}]`), 413, "extra_fields_too_large");
    await expectRefusal(await postText("/events", BAD_KEY, body), 401, "unauthorized");
    expect(await storedCount(site.siteId)).toBe(0);
  });
});

describe("methods other than POST on the ingest endpoints", () => {
  it("answer 405 with Allow: POST, whatever the key, and store nothing", async () => {
    const site = await newSite();
    for (const path of ["/events", "/events/bulk"]) {
      for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        for (const headers of [site.auth, BAD_KEY, {}]) {
          const body = method === "PUT" || method === "PATCH" ? JSON.stringify(event()) : undefined;
          const res = await api(path, { method, headers: { ...headers, "content-type": "application/json" }, body });
          expect(res.headers.get("allow"), `${method} ${path}`).toBe("POST");
          const error = await expectRefusal(res, 405, "method_not_allowed");
          expect(error.message).toContain(method);
        }
      }
      // HEAD is answered as GET would be, without the body.
      const head = await api(path, { method: "HEAD", headers: site.auth });
      expect(head.status).toBe(405);
      expect(head.headers.get("allow")).toBe("POST");
    }
    expect(await storedCount(site.siteId)).toBe(0);
  });
});
