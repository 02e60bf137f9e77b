import { createRemixStub } from "@remix-run/testing";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkerMetrics } from "../../worker/metrics/schemas";
import { workerColumns } from "../lib/tables";
import { DataTable } from "./DataTable";

const worker = (id: string, units: number, utilization: number | null): WorkerMetrics => ({
  worker_id: id, window_seconds: 3600, working_seconds: 1800, idle_seconds: 600, absent_seconds: 0, unknown_seconds: 1200,
  utilization_pct: utilization, observed_utilization_pct: 50, units, units_per_working_hour: 24, units_per_window_hour: 12,
  first_seen: null, last_seen: null, events: 40, late_events: 0, avg_confidence: 0.9,
});

function renderTable(rows: WorkerMetrics[]) {
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
    const table = renderTable([worker("W1", 1, 64.9), worker("W2", 1, 70), worker("W3", 1, 85.1)]);
    const cells = table.querySelectorAll('td[data-column="utilization_pct"]');
    expect([...cells].map((c) => c.className)).toEqual(["num band band-low", "num band band-mid", "num band band-high"]);
    expect(within(table).getByRole("link", { name: "W2" }).getAttribute("href")).toBe("/workers/W2?window=today");
    expect(within(table).getByRole("link", { name: "Download CSV" }).getAttribute("href")).toBe("/export/workers?window=today");
  });
});
