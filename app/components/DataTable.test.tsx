import { createRemixStub } from "@remix-run/testing";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { workerColumns, type WorkerRow } from "../lib/tables";
import { DataTable } from "./DataTable";

const worker = (id: string, units: number, utilization: number | null, change: number | null = null): WorkerRow => ({
  worker_id: id, window_seconds: 3600, working_seconds: 1800, idle_seconds: 600, absent_seconds: 0, unknown_seconds: 1200,
  utilization_pct: utilization, observed_utilization_pct: 50, units, station_changes: 1, units_per_working_hour: 24, units_per_window_hour: 12,
  first_seen: null, last_seen: null, events: 40, late_events: 0, avg_confidence: 0.9, utilization_change_pp: change,
});

function renderTable(rows: WorkerRow[]) {
  const Stub = createRemixStub([
    {
      path: "/",
      Component: () => (
        <DataTable
          caption="Per worker"
          rows={rows}
          columns={workerColumns}
          timeZone="Europe/Berlin"
          rowKey={(r) => r.worker_id}
          rowHref={(r) => `/workers/${r.worker_id}?window=today`}
          csvHref="/export/workers?window=today"
          initialSort={{ key: "worker_id", dir: "asc" }}
          testId="t"
        />
      ),
    },
  ]);
  render(<Stub />);
  return screen.getByTestId("t");
}

const firstColumn = (table: HTMLElement) => within(table).getAllByRole("rowheader").map((c) => c.textContent);

afterEach(cleanup);

describe("DataTable", () => {
  it("sorts by a column when its header is pressed, and says so to screen readers", () => {
    const table = renderTable([worker("W2", 5, 90), worker("W10", 50, 60), worker("W1", 20, null)]);
    expect(firstColumn(table)).toEqual(["W1", "W2", "W10"]);

    const units = within(table).getByRole("button", { name: /Units$/ });
    fireEvent.click(units);
    expect(firstColumn(table)).toEqual(["W10", "W1", "W2"]);
    expect(units.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(units);
    expect(firstColumn(table)).toEqual(["W2", "W1", "W10"]);
    expect(units.closest("th")?.getAttribute("aria-sort")).toBe("ascending");

    // Missing values sort last in both directions.
    const util = within(table).getByRole("button", { name: /Utilization/ });
    fireEvent.click(util);
    expect(firstColumn(table)).toEqual(["W2", "W10", "W1"]);
    fireEvent.click(util);
    expect(firstColumn(table)).toEqual(["W10", "W2", "W1"]);
  });

  it("colours utilization by band, links rows and offers the CSV", () => {
    const table = renderTable([worker("W1", 1, 64.9), worker("W2", 1, 70), worker("W3", 1, 85.1), worker("W4", 1, 64.96), worker("W5", 1, 85.04)]);
    const cells = [...table.querySelectorAll('td[data-column="utilization_pct"]')];
    expect(cells.map((c) => c.className)).toEqual(["num band band-low", "num band band-mid", "num band band-high", "num band band-mid", "num band band-mid"]);
    // Coloured as displayed: what reads 65.0 % is not "below 65", what reads 85.0 % not "above 85".
    expect(cells.slice(3).map((c) => c.textContent)).toEqual(["65.0 %", "85.0 %"]);
    expect(within(table).getByRole("link", { name: "W2" }).getAttribute("href")).toBe("/workers/W2?window=today");
    expect(within(table).getByRole("link", { name: "Download CSV" }).getAttribute("href")).toBe("/export/workers?window=today");
  });

  it("shows the change against the previous window in signed points, sortable, missing ones last", () => {
    const table = renderTable([worker("W1", 1, 70, -3.25), worker("W2", 1, 80, 4), worker("W3", 1, 60, null)]);
    const change = within(table).getByRole("button", { name: /Change pts/ });
    fireEvent.click(change);
    expect(firstColumn(table)).toEqual(["W2", "W1", "W3"]);
    expect([...table.querySelectorAll('td[data-column="utilization_change_pp"]')].map((c) => c.textContent)).toEqual(["+4.0", "−3.3", "–"]);
    fireEvent.click(change);
    expect(firstColumn(table)).toEqual(["W1", "W2", "W3"]);
  });
});
