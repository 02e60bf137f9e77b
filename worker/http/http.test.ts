// What every response shares (README, "API"): an X-Request-Id, one JSON log line per request
// carrying it, and the error envelope; and the ingest body limit (8 MB, 413 payload_too_large).
import { afterEach, describe, expect, it, vi } from "vitest";
import { event, fetchWith, newSite, query, testEnv } from "../../test/helpers";
import { holdLocks } from "../../test/reliability/db-faults";

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };
type LogLine = { level: string; msg: string; request_id: string; method: string; path: string; status: number; duration_ms: number; site_id?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
// Nothing listens there: any request that needs the database gets 503.
const noDatabase = { ...testEnv, DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:9/nowhere" };

/** Captures what the worker logs (the test config hides request lines from the output, not from this). */
function captureLog() {
  const spy = vi.spyOn(console, "log");
  return {
    /** The request lines logged for one request id. */
    requestLines: (id: string | null): LogLine[] =>
      spy.mock.calls
        .map((args) => {
          try {
            return JSON.parse(String(args[0])) as LogLine;
          } catch {
            return null;
          }
        })
        .filter((l): l is LogLine => l !== null && l.msg === "request" && l.request_id === id),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const stored = async (siteId: string) => Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);

describe("X-Request-Id and the request log", () => {
  it("every response has its own id, and the worker logs exactly one JSON line per request with it", async () => {
    const site = await newSite();
    const log = captureLog();
    vi.spyOn(console, "error").mockImplementation(() => {}); // the 503s' error lines
    const cases: [string, Promise<Response>, number, string | null][] = [
      ["ingest, stored", fetchWith(testEnv, "/events", { method: "POST", headers: site.auth, json: event() }), 201, null],
      ["a metrics read", fetchWith(testEnv, `/metrics/factory?${DAY}`, { headers: site.read }), 200, null],
      ["validation", fetchWith(testEnv, "/metrics/factory?start=yesterday", { headers: site.read }), 400, "validation_failed"],
      ["no key", fetchWith(testEnv, `/metrics/factory?${DAY}`), 401, "unauthorized"],
      ["wrong method", fetchWith(testEnv, "/events", { method: "GET", headers: site.auth }), 405, "method_not_allowed"],
      ["unknown route", fetchWith(testEnv, "/no/such/route"), 404, "not_found"],
      ["database down", fetchWith(noDatabase, "/health"), 503, "database_unavailable"],
      ["database down, ingest", fetchWith(noDatabase, "/events", { method: "POST", headers: site.auth, json: event({ timestamp: "2026-03-02T08:01:00Z" }) }), 503, "database_unavailable"],
    ];
    const ids = new Set<string>();
    for (const [name, pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(status);
      if (code) expect(((await res.json()) as ErrorBody).error.code, name).toBe(code);
      const id = res.headers.get("x-request-id");
      expect(id, name).toMatch(UUID);
      ids.add(id!);
      const lines = log.requestLines(id);
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatchObject({ level: "info", msg: "request", request_id: id, status });
      expect(lines[0].duration_ms, name).toBeGreaterThanOrEqual(0);
    }
    expect(ids.size).toBe(cases.length);
    // The line says what was asked and, once the key is known, for which site.
    const [read] = log.requestLines((await fetchWith(testEnv, `/metrics/factory?${DAY}`, { headers: site.read })).headers.get("x-request-id"));
    expect(read).toMatchObject({ method: "GET", path: "/api/metrics/factory", status: 200, site_id: site.siteId });
    const [notFound] = log.requestLines((await fetchWith(testEnv, "/no/such/route", { method: "DELETE" })).headers.get("x-request-id"));
    expect(notFound).toMatchObject({ method: "DELETE", path: "/api/no/such/route", status: 404 });
  });

  it("takes Cloudflare's ray id as the request id when there is one", async () => {
    const log = captureLog();
    const res = await fetchWith(testEnv, "/no/such/route", { headers: { "cf-ray": "8f1e2d3c4b5a6978-FRA" } });
    expect(res.headers.get("x-request-id")).toBe("8f1e2d3c4b5a6978-FRA");
    expect(log.requestLines("8f1e2d3c4b5a6978-FRA")).toMatchObject([{ status: 404 }]);
  });

  it("an unexpected error answers 500 with the id in the envelope, on the response and in the log", async () => {
    const site = await newSite();
    const log = captureLog();
    vi.spyOn(console, "error").mockImplementation(() => {});
    // A statement that fails (cancelled while it waits on a lock we hold) is no connection error:
    // the catch-all answers.
    const lock = await holdLocks("select 1 from sites where site_id = $1 for update", [site.siteId]);
    let res: Response;
    try {
      const pending = fetchWith(testEnv, "/events", { method: "POST", headers: site.auth, json: event() });
      await lock.cancel(await lock.blockedBackend());
      res = await pending;
    } finally {
      await lock.release();
    }
    expect(res.status).toBe(500);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "internal_error", details: [{ path: "request_id", message: id }] });
    expect(log.requestLines(id)).toMatchObject([{ status: 500, method: "POST", path: "/api/events" }]);
    expect(await stored(site.siteId)).toBe(0);
  });
});

describe("ingest body limit", () => {
  const MB8 = 8 * 1024 * 1024;
  /** A valid bulk body of exactly `bytes` bytes: one event, then spaces (JSON allows them). */
  const bodyOf = (bytes: number, e = event()) => JSON.stringify([e]).padEnd(bytes, " ");

  it("takes a body of exactly 8 MB and refuses one byte more with 413 payload_too_large, storing nothing", async () => {
    const site = await newSite();
    const post = (body: string, path = "/events/bulk") =>
      fetchWith(testEnv, path, { method: "POST", headers: { ...site.auth, "content-type": "application/json" }, body });

    const over = await post(bodyOf(MB8 + 1, event({ timestamp: "2026-03-02T08:01:00Z" })));
    expect(over.status).toBe(413);
    const body = (await over.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "payload_too_large", details: [] });
    expect(body.error.message).toMatch(/8 MB/);
    expect(await stored(site.siteId)).toBe(0);

    // The single-event endpoint has the same limit.
    const single = await post(JSON.stringify(event({ timestamp: "2026-03-02T08:02:00Z" })).padEnd(MB8 + 1, " "), "/events");
    expect(single.status).toBe(413);
    expect(((await single.json()) as ErrorBody).error.code).toBe("payload_too_large");
    expect(await stored(site.siteId)).toBe(0);

    const exact = await post(bodyOf(MB8));
    expect(exact.status).toBe(200);
    expect(await exact.json()).toMatchObject({ received: 1, inserted: 1 });
    expect(await stored(site.siteId)).toBe(1);
  });

  it("refuses an oversized body sent without a length (streamed) as well", async () => {
    const site = await newSite();
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    const head = new TextEncoder().encode(JSON.stringify([event()]));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(head);
        else if (sent <= 9) controller.enqueue(chunk);
        else controller.close();
        sent++;
      },
    });
    const res = await fetchWith(testEnv, "/events/bulk", {
      method: "POST",
      headers: { ...site.auth, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ErrorBody).error.code).toBe("payload_too_large");
    expect(await stored(site.siteId)).toBe(0);
  });

  it("answers an oversized body with a key nobody knows 401, as every other refusal", async () => {
    const res = await fetchWith(testEnv, "/events/bulk", {
      method: "POST",
      headers: { authorization: "Bearer wpd_nobody", "content-type": "application/json" },
      body: bodyOf(MB8 + 1),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).error.code).toBe("unauthorized");
  });
});
