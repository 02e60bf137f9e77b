// The dashboard against a site of its own with a few hand-placed events on two closed days, so the
// previous-window comparison, the CSV's local times and the empty state have exact expectations
// (the shared demo data is relative to now and leaves the previous window of "today" empty).
import { createRemixStub } from "@remix-run/testing";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiToken as token, apiUrl, cookieOf, env, loaderArgs } from "../test/loader-harness";
import { loader as exportLoader } from "./sites.$site.export.$table";
import { loader as overviewLoader } from "./sites.$site._index";
import WorkstationPage, { loader as stationLoader } from "./sites.$site.workstations.$id";

const site = `cmp${Date.now().toString(36)}`;
// An owner sees every site, this new one included.
let cookie = "";
const args = (path: string, e: typeof env, params: Record<string, string> = {}) =>
  loaderArgs(path.startsWith("/?") ? `/sites/${site}${path.slice(1)}` : `/sites/${site}${path}`, e, { site, ...params }, { cookie });
// 2026-03-03 in Berlin (UTC+1 in March); the previous window of equal length is 2026-03-02.
const day = "?window=custom&from=2026-03-03&to=2026-03-03";

const ev = (timestamp: string, worker_id: string, event_type: string) => ({ timestamp, worker_id, workstation_id: "S1", event_type, confidence: 0.9 });

beforeAll(async () => {
  const res = await fetch(new URL("/api/sites", apiUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    // The events are dated March 2026; a site's default history starts 366 days before its creation,
    // so without this the batch would be refused (422) from March 2027 on.
    body: JSON.stringify({ site_id: site, name: "Compare plant", time_zone: "Europe/Berlin", max_state_seconds: 600, history_start: "2020-01-01T00:00:00Z" }),
  });
  expect(res.status).toBe(201);
  const { site_key } = (await res.json()) as { site_key: string };
  const events = [
    // The day before: 6 min working, then idle until the 10-minute cap: 360 ÷ 960 = 37.5 %.
    ev("2026-03-02T08:00:00Z", "W1", "working"),
    ev("2026-03-02T08:06:00Z", "W1", "idle"),
    // The day: 14 min working, then 10 min idle: 840 ÷ 1440 = 58.33 %. W2 is new.
    ev("2026-03-03T08:00:00Z", "W1", "working"),
    ev("2026-03-03T08:05:00Z", "W1", "working"),
    ev("2026-03-03T08:10:00Z", "W1", "working"),
    ev("2026-03-03T08:14:00Z", "W1", "idle"),
    ev("2026-03-03T09:00:00Z", "W2", "working"),
    ev("2026-03-03T09:05:00Z", "W2", "absent"),
  ];
  const posted = await fetch(new URL("/api/events/bulk", apiUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${site_key}`, "content-type": "application/json" },
    body: JSON.stringify(events),
  });
  expect(posted.status, await posted.clone().text()).toBeLessThan(300);
  cookie = await cookieOf("owner");
});

afterEach(cleanup);

describe("change against the previous window", () => {
  it("is in the worker and workstation rows of the overview", async () => {
    const d = await overviewLoader(args(`/${day}`, env));
    const change = Object.fromEntries(d.workers!.map((w) => [w.worker_id, w.utilization_change_pp]));
    expect(change.W1).toBeCloseTo(100 * (840 / 1440) - 37.5, 6);
    expect(change.W2).toBeNull();
    // S1 holds both workers' time: (840 + 300) ÷ (840 + 600 + 300 + 600) today, 360 ÷ 960 before.
    const [s1] = d.workstations;
    expect(s1.workstation_id).toBe("S1");
    expect(s1.utilization_change_pp).toBeCloseTo(100 * (1140 / 2340) - 37.5, 6);
  });

  it("is a column of the workers CSV, whose times are plant time with the offset", async () => {
    const res = (await exportLoader(args(`/export/workers${day}`, env, { table: "workers" }))) as Response;
    const [head, ...rows] = (await res.text()).trim().split("\r\n");
    const cols = head.split(",");
    const w1 = rows.find((r) => r.startsWith("W1,"))!.split(",");
    expect(Number(w1[cols.indexOf("Change pts")])).toBeCloseTo(100 * (840 / 1440) - 37.5, 6);
    expect(w1[cols.indexOf("Last seen")]).toBe("2026-03-03T09:14:00+01:00");
  });
});

describe("workstation page", () => {
  it("says what to do when the window has no events there", async () => {
    const data = await stationLoader(args("/workstations/S1?window=custom&from=2026-03-05&to=2026-03-05", env, { id: "S1" }));
    expect(data.station.metrics.events).toBe(0);
    const Stub = createRemixStub([{ path: "/sites/:site/workstations/:id", Component: WorkstationPage, loader: () => data }]);
    render(<Stub initialEntries={[`/sites/${site}/workstations/S1`]} />);
    expect((await screen.findByTestId("station-empty")).textContent).toBe(
      "No events at workstation S1 in this window: pick another window, or check that the camera watching it is sending.",
    );
  });

  it("shows no such message when there are events", async () => {
    const data = await stationLoader(args(`/workstations/S1${day}`, env, { id: "S1" }));
    const Stub = createRemixStub([{ path: "/sites/:site/workstations/:id", Component: WorkstationPage, loader: () => data }]);
    render(<Stub initialEntries={[`/sites/${site}/workstations/S1`]} />);
    await screen.findByTestId("station-occupancy");
    expect(screen.queryByTestId("station-empty")).toBeNull();
  });
});
