// @vitest-environment node
// Every CSV export (README, "Dashboard"), through the export route against the real API
// (app/test/api-setup.ts): the columns the page shows, the window in the URL, times in ISO 8601 in
// the site's zone with its offset (a +05:30 zone here, whose hours do not start on UTC hours), and
// text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
// return) prefixed with '. Ids may start with - or @ through the API; the other characters cannot
// reach it, so a stand-in API answers those.
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiEnv } from "../lib/api.server";
import { apiToken, apiUrl, cookieOf, loaderArgs as harnessArgs, sessionCookieHeader, sessionSecret } from "../test/loader-harness";
import { loader as exportLoader } from "./sites.$site.export.$table";

const TZ = "Asia/Kolkata";
const DAY = "window=custom&from=2026-03-02&to=2026-03-02";
// The day in Kolkata, in UTC: what the API is asked for.
const START = "2026-03-01T18:30:00.000Z";
const END = "2026-03-02T18:30:00.000Z";
const ISO_LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+05:30$/;

let siteId = "";
let env: ApiEnv;
// An owner: every site, including the one this file makes.
let cookie = "";

/** The export route's arguments for `/export/<table>?...` of the site (`site` as the URL's). */
const loaderArgs = (path: string, e: ApiEnv, params: Record<string, string>, site = siteId, c = cookie) =>
  harnessArgs(`/sites/${site}${path}`, e, { site, ...params }, { cookie: c });

async function admin(path: string, init: RequestInit = {}) {
  const res = await fetch(new URL(`/api${path}`, apiUrl), {
    ...init,
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** The API's answer for the day, as the export route asks for it. */
const fromApi = <T>(path: string, params: Record<string, string> = {}) =>
  admin(`${path}?${new URLSearchParams({ site: siteId, start: START, end: END, ...params })}`) as Promise<T>;

const ev = (local: string, worker_id: string, workstation_id: string, event_type: string, extra: Record<string, unknown> = {}) => ({
  timestamp: `${local}+05:30`,
  worker_id,
  workstation_id,
  event_type,
  confidence: 0.9,
  model_version: "-v2",
  ...extra,
});

beforeAll(async () => {
  siteId = `csv${Date.now().toString(36)}`;
  const created = (await admin("/sites", {
    method: "POST",
    body: JSON.stringify({ site_id: siteId, name: "CSV plant", time_zone: TZ, history_start: "2020-01-01T00:00:00Z" }),
  })) as { site_key: string };
  const res = await fetch(new URL("/api/events/bulk", apiUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${created.site_key}`, "content-type": "application/json" },
    body: JSON.stringify([
      // The day before (the previous window, and the drift baseline)
      ev("2026-03-01T09:00:00", "-W1", "@S1", "working"),
      ev("2026-03-01T09:05:00", "-W1", "@S1", "idle"),
      // The day
      ev("2026-03-02T09:00:00", "-W1", "@S1", "working"),
      ev("2026-03-02T09:10:00", "-W1", "@S1", "product_count", { count: 3, confidence: 0.6 }),
      ev("2026-03-02T09:20:00", "-W1", "@S1", "idle"),
      ev("2026-03-02T10:00:00", "W2", "S2", "working", { model_version: "v1" }),
    ]),
  });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  env = { API_BASE: apiUrl, SESSION_SECRET: sessionSecret };
  cookie = await cookieOf("owner");
});

async function exportOf(table: string, query = DAY) {
  const res = (await exportLoader(loaderArgs(`/export/${table}?${query}`, env, { table }))) as Response;
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(text.endsWith("\r\n")).toBe(true);
  const [header, ...rows] = text.slice(0, -2).split("\r\n");
  return { res, header, rows: rows.map((r) => r.split(",")), filename: res.headers.get("content-disposition") };
}

/** What a text cell must be in the file: prefixed with ' when a spreadsheet would run it. */
const safe = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

describe("CSV exports against the API", () => {
  it("workers: the table's columns, ids defused, times in the site's zone with its offset", async () => {
    const { header, rows, filename } = await exportOf("workers");
    expect(filename).toBe(`attachment; filename="${siteId}-workers-20260301T1830-20260302T1830.csv"`);
    expect(header).toBe("Worker,Utilization %,Change pts,Working s,Idle s,Absent s,Unknown s,Units,Units / working h,Station changes,Late events,Avg confidence,Last seen");
    const api = await fromApi<{ metrics: { worker_id: string; unknown_seconds: number; avg_confidence: number }[] }>("/metrics/workers");
    expect(rows.map((r) => r[0])).toEqual(["'-W1", "W2"]);
    expect(rows.map((r) => r[0])).toEqual(api.metrics.map((w) => safe(w.worker_id)));
    // -W1: working 09:00-09:10 (the cap), idle 09:20-09:30; 50 % against 300 / 900 the day before.
    const [w1, w2] = rows;
    expect(w1.slice(0, 11)).toEqual(["'-W1", "50", expect.any(String), "600", "600", "0", String(api.metrics[0].unknown_seconds), "3", "18", "0", "0"]);
    expect(Number(w1[2])).toBeCloseTo(50 - (300 / 900) * 100, 9);
    expect(Number(w1[11])).toBeCloseTo(api.metrics[0].avg_confidence, 9);
    expect(w1[12]).toBe("2026-03-02T09:20:00+05:30");
    // W2 has no previous window: no change; its open interval runs to the cap.
    expect(w2.slice(0, 8)).toEqual(["W2", "100", "", "600", "0", "0", String(api.metrics[1].unknown_seconds), "0"]);
    expect(w2[12]).toBe("2026-03-02T10:00:00+05:30");
  });

  it("workstations: ids and the workers seen defused", async () => {
    const { header, rows, filename } = await exportOf("workstations");
    expect(filename).toMatch(new RegExp(`^attachment; filename="${siteId}-workstations-20260301T1830-20260302T1830\\.csv"$`));
    expect(header).toBe("Workstation,Staffed utilization %,Change pts,Occupancy %,Occupied s,Person-time s,Units,Units / occupied h,Workers seen,Events");
    expect(rows.map((r) => [r[0], r[1], r[4], r[5], r[6], r[8], r[9]])).toEqual([
      ["'@S1", "50", "600", "600", "3", "'-W1", "3"],
      ["S2", "100", "600", "600", "0", "W2", "1"],
    ]);
  });

  it("hourly: one row per UTC hour of the window, each hour start in the site's zone", async () => {
    const { header, rows } = await exportOf("hourly");
    expect(header).toBe("Hour start,Units,Working s,Idle s,Absent s,Active workers,Utilization %");
    const api = await fromApi<{ metrics: { hourly: { hour_start: string }[] } }>("/metrics/factory");
    expect(rows).toHaveLength(api.metrics.hourly.length);
    // The window starts at 18:30 UTC: its first hour is the UTC hour 18:00, 23:30 local the day before.
    expect(rows[0][0]).toBe("2026-03-01T23:30:00+05:30");
    expect(rows.map((r) => Date.parse(r[0]))).toEqual(api.metrics.hourly.map((h) => Date.parse(h.hour_start)));
    for (const r of rows) expect(r[0]).toMatch(ISO_LOCAL);
    // 09:00-09:30 local is in the UTC hour 03:00 (08:30 local): -W1's 3 units and 10 min of work.
    expect(rows.find((r) => r[0] === "2026-03-02T08:30:00+05:30")).toEqual(["2026-03-02T08:30:00+05:30", "3", "600", "600", "0", "1", "50"]);
  });

  it("worker intervals and confidence: the worker named with &id=", async () => {
    const q = `${DAY}&id=${encodeURIComponent("-W1")}`;
    const intervals = await exportOf("worker-intervals", q);
    expect(intervals.filename).toBe(`attachment; filename="${siteId}-worker-intervals--W1-20260301T1830-20260302T1830.csv"`);
    expect(intervals.header).toBe("Start,End,State,Seconds,Worker,Workstation");
    const api = await fromApi<{ intervals: { start: string; end: string; state: string }[] }>(`/timeline/worker/${encodeURIComponent("-W1")}`);
    expect(intervals.rows.map((r) => [Date.parse(r[0]), Date.parse(r[1]), r[2]])).toEqual(api.intervals.map((i) => [Date.parse(i.start), Date.parse(i.end), i.state]));
    for (const r of intervals.rows) {
      expect([r[0], r[1]]).toEqual([expect.stringMatching(ISO_LOCAL), expect.stringMatching(ISO_LOCAL)]);
      expect([r[4], r[5]]).toEqual(["'-W1", "'@S1"]);
    }
    expect(intervals.rows).toContainEqual(["2026-03-02T09:00:00+05:30", "2026-03-02T09:10:00+05:30", "working", "600", "'-W1", "'@S1"]);
    expect(intervals.rows).toContainEqual(["2026-03-02T09:20:00+05:30", "2026-03-02T09:30:00+05:30", "idle", "600", "'-W1", "'@S1"]);
    // The window starts and ends at local midnight.
    expect([intervals.rows[0][0], intervals.rows.at(-1)![1]]).toEqual(["2026-03-02T00:00:00+05:30", "2026-03-03T00:00:00+05:30"]);

    const confidence = await exportOf("worker-confidence", q);
    expect(confidence.header).toBe("Model version,Events,Avg confidence,Min,Max,Late events");
    expect(confidence.rows.map((r) => [r[0], r[1], r[3], r[5]])).toEqual([["'-v2", "3", String(Math.fround(0.6)), "0"]]);
  });

  it("workstation intervals: every worker's time at the workstation named with &id=", async () => {
    const q = `${DAY}&id=${encodeURIComponent("@S1")}`;
    const { header, rows, filename } = await exportOf("workstation-intervals", q);
    expect(filename).toBe(`attachment; filename="${siteId}-workstation-intervals-_S1-20260301T1830-20260302T1830.csv"`);
    expect(header).toBe("Start,End,State,Seconds,Worker,Workstation");
    expect(rows).toEqual([
      ["2026-03-02T09:00:00+05:30", "2026-03-02T09:10:00+05:30", "working", "600", "'-W1", "'@S1"],
      ["2026-03-02T09:20:00+05:30", "2026-03-02T09:30:00+05:30", "idle", "600", "'-W1", "'@S1"],
    ]);
  });

  it("model drift: event types and confidence histogram, every version or the one named", async () => {
    const types = await exportOf("model-event-types");
    expect(types.header).toBe("Model version,Type,Window,Window %,Baseline,Baseline %");
    // Both versions have under 30 events in the baseline week, so both are compared with all of
    // its events (the day before: one working, one idle).
    expect(types.rows.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ["'-v2", "working", "1", "1"],
      ["'-v2", "idle", "1", "1"],
      ["'-v2", "absent", "0", "0"],
      ["'-v2", "product_count", "1", "0"],
      ["v1", "working", "1", "1"],
      ["v1", "idle", "0", "1"],
      ["v1", "absent", "0", "0"],
      ["v1", "product_count", "0", "0"],
    ]);
    // Shares in percent, raw: a third of the window's -v2 events are working, half the baseline's.
    expect(types.rows.slice(0, 4).map((r) => [Number(r[3]).toFixed(4), r[5]])).toEqual([["33.3333", "50"], ["33.3333", "50"], ["0.0000", "0"], ["33.3333", "0"]]);
    const one = await exportOf("model-confidence-histogram", `${DAY}&id=${encodeURIComponent("-v2")}`);
    expect(one.filename).toBe(`attachment; filename="${siteId}-model-confidence-histogram--v2-20260301T1830-20260302T1830.csv"`);
    expect(one.header).toBe("Model version,Confidence,Window events,Window %,Baseline events,Baseline %");
    expect(one.rows.map((r) => r.slice(0, 3).join(","))).toEqual(
      ["0.0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.4", "0.4–0.5", "0.5–0.6", "0.6–0.7", "0.7–0.8", "0.8–0.9", "0.9–1"].map(
        // 0.6 (the product count) and 0.9 twice: a real holds 0.9 as 0.8999999761…, still binned as 0.9.
        (b) => `'-v2,${b},${b === "0.6–0.7" ? 1 : b === "0.9–1" ? 2 : 0}`,
      ),
    );
  });

  it("answers what is wrong in plain text: no id, an unknown table, an unknown site", async () => {
    const noId = (await exportLoader(loaderArgs(`/export/worker-intervals?${DAY}`, env, { table: "worker-intervals" }))) as Response;
    expect([noId.status, noId.headers.get("content-type"), await noId.text()]).toEqual([400, "text/plain; charset=utf-8", "Name the worker or workstation with ?id=\n"]);
    const unknown = (await exportLoader(loaderArgs(`/export/everything?${DAY}`, env, { table: "everything" }))) as Response;
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/^Unknown table; one of: workers, workstations, hourly, worker-intervals, worker-confidence, workstation-intervals, model-event-types, model-confidence-histogram\n$/);
    const missing = (await exportLoader(loaderArgs(`/export/worker-intervals?${DAY}&id=-W1`, env, { table: "worker-intervals" }, "no-such-site"))) as Response;
    expect([missing.status, missing.headers.get("content-type")]).toEqual([404, "text/plain; charset=utf-8"]);
    expect(await missing.text()).toMatch(/^The CSV could not be made: .+\nWhat to do: .+\n\(site_not_found · 404\)\n$/);
    // An id the site never saw is a 404, not a header row that reads like a quiet day.
    for (const table of ["worker-intervals", "workstation-intervals"]) {
      const nobody = (await exportLoader(loaderArgs(`/export/${table}?${DAY}&id=nobody`, env, { table }))) as Response;
      expect(nobody.status, table).toBe(404);
      expect(await nobody.text()).toMatch(/\((worker|workstation)_not_found · 404 · \/timeline\/(worker|workstation)\/nobody\)\n$/);
    }
  });
});

describe("CSV cells a spreadsheet would run", () => {
  // Ids the API itself refuses, from a stand-in API: every text column goes through the same quoting.
  const hostile = ["=1+2", "+SUM(A1)", "-3", "@cmd", "\t=1", "\r=1", "plain", "a=b", 'say "hi", x'];
  const worker = (worker_id: string) => ({
    worker_id,
    window_seconds: 3600, working_seconds: 1800, idle_seconds: 600, absent_seconds: 0, unknown_seconds: 1200,
    utilization_pct: 75, observed_utilization_pct: 50, units: 12, station_changes: 2, units_per_working_hour: 24, units_per_window_hour: 12,
    first_seen: "2026-03-02T03:30:00.000Z", last_seen: "2026-03-02T04:29:59.500Z", events: 40, late_events: 1, avg_confidence: 0.9,
  });
  const standIn: ApiEnv = {
    SESSION_SECRET: sessionSecret,
    API: {
      fetch: async (url: string) => {
        const u = new URL(url);
        const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
        if (u.pathname === "/api/auth/me") {
          return json({
            user: { id: "u1", email: "m@example.com", name: "M", owner: false },
            sites: [{ site_id: "hostile", name: "H", time_zone: TZ, role: "manager", worker_detail: true }],
            session: { expires_at: "2099-01-01T00:00:00.000Z", idle_expires_at: "2099-01-01T00:00:00.000Z" },
          });
        }
        const envelope = { site_id: "hostile", window: { start: u.searchParams.get("start"), end: u.searchParams.get("end") }, computed_at: "2026-03-03T00:00:00.000Z", cached: true, stale: false, pending_recompute: false };
        if (u.pathname === "/api/metrics/cache/workers") return json({ ...envelope, metrics: hostile.map(worker) });
        return new Response(JSON.stringify({ error: { code: "not_found", message: u.pathname } }), { status: 404 });
      },
    },
  };

  it("prefixes = + - @, tab and carriage return with ', quotes what CSV needs quoted, and leaves numbers alone", async () => {
    const res = (await exportLoader(loaderArgs(`/export/workers?${DAY}`, standIn, { table: "workers" }, "hostile", await sessionCookieHeader("wpds_stand-in")))) as Response;
    expect(res.status).toBe(200);
    const text = await res.text();
    const firstCells = text.split("\r\n").slice(1, -1).map((line) => line.slice(0, line.indexOf(",75,")));
    // A carriage return inside a cell is quoted (and does not end the line: no \n follows it).
    expect(firstCells).toEqual(["'=1+2", "'+SUM(A1)", "'-3", "'@cmd", "'\t=1", '"\'\r=1"', "plain", "a=b", '"say ""hi"", x"']);
    // Negative numbers are numbers: Change pts is 0 here, and times keep their offset.
    expect(text).toContain("'-3,75,0,1800,600,0,1200,12,24,2,1,0.9,2026-03-02T09:59:59.500+05:30\r\n");
  });
});
