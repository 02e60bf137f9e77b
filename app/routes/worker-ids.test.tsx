// Which workers were at a workstation is per-worker data (README, "Accounts and access"): a viewer
// without worker detail sees how many, never who, on the site page, in the workstations CSV and on
// a workstation's page, and the ids do not even reach the browser in the loaders' data. The API
// may answer such a reader with labels ("worker 1", ...) instead of ids, or with the ids: the
// dashboard holds either way, so these tests look for the demo site's real ids (W1..W6), not for
// labels. Managers (worker detail) see the ids as before.
import { createRemixStub } from "@remix-run/testing";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { cookieOf, env, loaderArgs as args, siteId, type Who } from "../test/loader-harness";
import Overview, { loader as siteLoader } from "./sites.$site._index";
import { loader as exportLoader } from "./sites.$site.export.$table";
import WorkstationPage, { loader as stationLoader } from "./sites.$site.workstations.$id";

const site = `/sites/${siteId}`;
const params = { site: siteId };
const win = "window=yesterday";

/** The demo site's workers (worker/seed/generate.ts names them W1..W6). */
const REAL_IDS = ["W1", "W2", "W3", "W4", "W5", "W6"];
/** The real ids a text names, each as a whole word ("worker 1" is not W1). */
const idsIn = (text: string) => REAL_IDS.filter((id) => new RegExp(`\\b${id}\\b`).test(text));

const sitePage = async (who: Who) => siteLoader(args(`${site}?${win}`, env, params, { cookie: await cookieOf(who) }));
const stationPage = async (who: Who, id = "S1") =>
  stationLoader(args(`${site}/workstations/${id}?${win}`, env, { ...params, id }, { cookie: await cookieOf(who) }));
async function stationsCsv(who: Who): Promise<string[]> {
  const res = (await exportLoader(args(`${site}/export/workstations?${win}`, env, { ...params, table: "workstations" }, { cookie: await cookieOf(who) }))) as Response;
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text.trim().split("\r\n");
}

afterEach(cleanup);

describe("the site page's workstations", () => {
  it("name the workers seen for a manager", async () => {
    const d = await sitePage("manager");
    expect(d.site.workerDetail).toBe(true);
    const seen = d.workstations.flatMap((r) => ("workers_seen" in r ? r.workers_seen : []));
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(idsIn(seen.join(" "))));
  });

  it("only count them for a viewer without worker detail: no id in the loader's data", async () => {
    const [viewer, manager] = [await sitePage("viewer"), await sitePage("manager")];
    expect(viewer.site.workerDetail).toBe(false);
    expect(viewer.workstations.length).toBeGreaterThan(0);
    for (const row of viewer.workstations) expect(row).not.toHaveProperty("workers_seen");
    expect(idsIn(JSON.stringify(viewer.workstations))).toEqual([]);
    expect(idsIn(JSON.stringify(viewer))).toEqual([]);
    // How many: the manager's list, counted.
    const count = Object.fromEntries(viewer.workstations.map((r) => [r.workstation_id, "workers_seen_count" in r ? r.workers_seen_count : null]));
    expect(count).toEqual(Object.fromEntries(manager.workstations.map((r) => [r.workstation_id, "workers_seen" in r ? r.workers_seen.length : null])));
  });

  it("render a count column for the viewer and the ids for the manager", async () => {
    const show = async (who: Who) => {
      const data = await sitePage(who);
      const Stub = createRemixStub([{ path: "/sites/:site", Component: Overview, loader: () => data }]);
      render(<Stub initialEntries={[`${site}?${win}`]} />);
      const table = await screen.findByTestId("workstations-table");
      const headers = [...table.querySelectorAll("thead button[data-column]")].map((b) => b.getAttribute("data-column"));
      // Cell by cell: the table's whole textContent runs cells together ("53.4W1").
      const text = [...table.querySelectorAll("th, td")].map((c) => c.textContent).join("\n");
      cleanup();
      return { headers, text };
    };
    const viewer = await show("viewer");
    expect(viewer.headers).toContain("workers_seen_count");
    expect(viewer.headers).not.toContain("workers_seen");
    expect(idsIn(viewer.text)).toEqual([]);
    const manager = await show("manager");
    expect(manager.headers).toContain("workers_seen");
    expect(idsIn(manager.text).length).toBeGreaterThan(0);
  });
});

describe("the workstations CSV", () => {
  it("names the workers seen for a manager", async () => {
    const [head, ...rows] = await stationsCsv("manager");
    expect(head.split(",")).toContain("Workers seen");
    expect(idsIn(rows.join("\n")).length).toBeGreaterThan(0);
  });

  it("only counts them for a viewer without worker detail", async () => {
    const [head, ...rows] = await stationsCsv("viewer");
    const cols = head.split(",");
    expect(cols).not.toContain("Workers seen");
    expect(cols).toContain("Workers seen (count)");
    expect(rows.length).toBeGreaterThan(0);
    expect(idsIn(rows.join("\n"))).toEqual([]);
    const [managerHead, ...managerRows] = await stationsCsv("manager");
    const named = Object.fromEntries(managerRows.map((r) => r.split(",")).map((c) => [c[0], c[managerHead.split(",").indexOf("Workers seen")]]));
    for (const c of rows.map((r) => r.split(","))) {
      expect(Number(c[cols.indexOf("Workers seen (count)")]), c[0]).toBe(named[c[0]] ? named[c[0]].split(" ").length : 0);
    }
  });
});

describe("a workstation's page", () => {
  it("names the workers seen for a manager", async () => {
    const d = await stationPage("manager");
    expect(d.station.metrics.workers_seen?.length).toBeGreaterThan(0);
    expect(idsIn(d.station.metrics.workers_seen!.join(" ")).length).toBe(d.station.metrics.workers_seen!.length);
    expect(d.station.metrics.workers_seen_count).toBe(d.station.metrics.workers_seen!.length);
  });

  it("sends a viewer without worker detail the count, and no id at all", async () => {
    const [viewer, manager] = [await stationPage("viewer"), await stationPage("manager")];
    expect(viewer.station.metrics).not.toHaveProperty("workers_seen");
    expect(viewer.station.metrics.workers_seen_count).toBe(manager.station.metrics.workers_seen!.length);
    expect(idsIn(JSON.stringify(viewer))).toEqual([]);

    const Stub = createRemixStub([{ path: "/sites/:site/workstations/:id", Component: WorkstationPage, loader: () => viewer }]);
    render(<Stub initialEntries={[`${site}/workstations/S1?${win}`]} />);
    expect((await screen.findByTestId("station-workers-seen")).textContent).toBe(String(manager.station.metrics.workers_seen!.length));
  });
});
