import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, query } from "../../test/helpers";

type Envelope = { error?: { code: string; message: string; details: unknown[] } };

const storedCount = async (siteId: string) =>
  Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);

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
  it("arbitrary JSON bodies: stored only when valid, otherwise a 4xx envelope", async () => {
    const site = await newSite();
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          // near-valid events with one field replaced by anything
          fc.record({ key: fc.constantFrom("timestamp", "worker_id", "workstation_id", "event_type", "confidence", "count", "model_version", "event_id", "site_id"), value: fc.jsonValue({ maxDepth: 2 }) })
            .map(({ key, value }) => ({ ...event({ timestamp: new Date(Date.UTC(2026, 2, 2, 8)).toISOString() }), [key]: value })),
        ),
        async (body) => {
          const res = await api("/events", { method: "POST", headers: site.auth, json: body });
          if (res.status === 201) stored++;
          else if (res.status !== 200) await expectClientError(res);
        },
      ),
      { numRuns: 120, seed: 4242 },
    );
    expect(await storedCount(site.siteId)).toBe(stored);
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
        const res = await api(path, { headers: path.includes("site=") ? ADMIN : site.auth });
        if (q === "a%00b") {
          expect(res.status, path).toBe(400);
          await expectClientError(res);
        } else {
          // The invalid bytes arrive as replacement characters: an id nobody has, never a 500.
          expect(res.status, path).toBeLessThan(500);
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
        const res = await api(path, { headers: site.auth });
        expect([400, 404], `${path} -> ${res.status}`).toContain(res.status);
        await expectClientError(res);
      }
      // A timeline of an id nobody has is simply empty.
      const timeline = await api(`/timeline/worker/${q}?${window}`, { headers: site.auth });
      expect(timeline.status).toBeLessThan(500);
      if (timeline.ok) expect(JSON.stringify(await timeline.json())).not.toContain('"state"');
      for (const path of [`/metrics/factory?${window}&site=${q}`, `/debug/counts?site=${q}`, `/metrics/factory?start=${q}&end=${q}&site=${site.siteId}`]) {
        const res = await api(path, { headers: ADMIN });
        expect(res.status, `${path} -> ${res.status}`).toBeLessThan(500);
      }
      await expectClientError(await api("/events", { method: "POST", headers: site.auth, json: event({ event_id: a }) }));
      await expectClientError(await api("/events", { method: "POST", headers: { authorization: `Bearer ${a}` }, json: event() }));
    }
    expect(await storedCount(site.siteId)).toBe(1);
    const tables = await query<{ n: string }>("select count(*) as n from information_schema.tables where table_name in ('events', 'sites', 'ingestion_log')");
    expect(Number(tables[0].n)).toBe(3);
  });
});
