import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { StateTimeline } from "./StateTimeline";

const interval = { start: "2026-03-02T21:00:00.000Z", end: "2026-03-03T06:00:00.000Z", state: "idle" as const, worker_id: "W1", workstation_id: "S1" };

describe("StateTimeline", () => {
  it("dates both ends of an interval on a multi-day window", () => {
    const html = renderToString(
      <StateTimeline
        title="State"
        intervals={[interval]}
        rowOf={(i) => i.worker_id}
        window={{ start: "2026-03-01T23:00:00.000Z", end: "2026-03-04T23:00:00.000Z" }}
        timeZone="Europe/Berlin"
      />,
    );
    const title = new DOMParser().parseFromString(html, "text/html").querySelector("rect.seg title")?.textContent;
    expect(title).toMatch(/^W1: Idle Mon 2 Mar,? 22:00–Tue 3 Mar,? 07:00 \(9h 00m\)$/);
  });
});
