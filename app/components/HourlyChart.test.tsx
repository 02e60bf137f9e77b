import { cleanup, fireEvent, render } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import { HourlyChart } from "./HourlyChart";

const points = [
  { hour_start: "2026-03-02T07:00:00.000Z", value: 10 },
  { hour_start: "2026-03-02T08:00:00.000Z", value: 0 },
  { hour_start: "2026-03-02T09:00:00.000Z", value: 30 },
];
const chart = (
  <HourlyChart
    title="Units per hour"
    description="Units in each hour."
    kind="bar"
    points={points}
    window={{ start: "2026-03-01T23:00:00.000Z", end: "2026-03-02T23:00:00.000Z" }}
    timeZone="Europe/Berlin"
    formatValue={(v) => String(v)}
  />
);

afterEach(cleanup);

describe("HourlyChart", () => {
  it("renders completely on the server, at a fixed size, with local-time ticks", () => {
    const html = renderToString(chart);
    expect(html).toContain('width="640"');
    const doc = new DOMParser().parseFromString(html, "text/html");
    const bars = [...doc.querySelectorAll("rect.bar")];
    expect(bars.map((b) => b.getAttribute("data-value"))).toEqual(["10", "0", "30"]);
    // The tallest bar is three times the first.
    const h = bars.map((b) => Number(b.getAttribute("height")));
    expect(h[2] / h[0]).toBeCloseTo(3, 5);
    // Berlin wall clock (UTC+1): the axis starts at local midnight.
    expect([...doc.querySelectorAll(".visx-axis-bottom text")].map((t) => t.textContent)[0]).toBe("00:00");
  });

  it("labels a count axis with whole numbers only, even on a day without units", () => {
    const quiet = renderToString(
      <HourlyChart
        title="Units per hour"
        description="Units in each hour."
        kind="bar"
        counts
        points={points.map((p) => ({ ...p, value: 0 }))}
        window={{ start: "2026-03-01T23:00:00.000Z", end: "2026-03-02T23:00:00.000Z" }}
        timeZone="Europe/Berlin"
        formatValue={(v) => String(v)}
      />,
    );
    const labels = [...new DOMParser().parseFromString(quiet, "text/html").querySelectorAll(".visx-axis-left text")].map((t) => t.textContent);
    expect(labels).toEqual(["0", "1"]);
  });

  it("reads out hours with the arrow keys", () => {
    const { getByRole, container } = render(chart);
    const svg = getByRole("img", { name: "Units per hour" });
    const readout = () => container.querySelector('[aria-live="polite"]')?.textContent;
    fireEvent.keyDown(svg, { key: "ArrowRight" });
    expect(readout()).toBe("08:00: 10");
    fireEvent.keyDown(svg, { key: "End" });
    expect(readout()).toBe("10:00: 30");
  });

  it("breaks the line at hours without a value instead of joining across them", () => {
    const html = renderToString(
      <HourlyChart
        title="Utilization per hour"
        description="Utilization in each hour."
        kind="line"
        points={[
          { hour_start: "2026-03-02T16:00:00.000Z", value: 70 },
          { hour_start: "2026-03-02T17:00:00.000Z", value: 80 },
          { hour_start: "2026-03-02T18:00:00.000Z", value: null },
          { hour_start: "2026-03-02T19:00:00.000Z", value: null },
          { hour_start: "2026-03-03T05:00:00.000Z", value: 60 },
          { hour_start: "2026-03-03T06:00:00.000Z", value: 65 },
        ]}
        window={{ start: "2026-03-02T16:00:00.000Z", end: "2026-03-03T07:00:00.000Z" }}
        timeZone="Europe/Berlin"
        yMax={100}
        formatValue={(v) => String(v)}
      />,
    );
    const doc = new DOMParser().parseFromString(html, "text/html");
    const d = doc.querySelector("path.line")?.getAttribute("d") ?? "";
    // Two runs, each starting with a move: the evening and the morning.
    expect(d.match(/M/g)).toHaveLength(2);
    expect([...doc.querySelectorAll("circle.dot")].map((c) => c.getAttribute("data-value"))).toEqual(["70", "80", "60", "65"]);
  });
});
