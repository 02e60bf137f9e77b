import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Freshness } from "./Freshness";

const info = { computed_at: "2026-03-02T08:00:00.000Z", cached: true, stale: false, pending_recompute: false };
const freshness = (refreshing: boolean) => (
  <Freshness info={info} pendingRecomputes={null} now="2026-03-02T08:00:10.000Z" timeZone="Europe/Berlin" live refreshing={refreshing} />
);

afterEach(cleanup);

describe("Freshness", () => {
  it("keeps 'Refreshing…' out of the live region and keeps its place while hidden", () => {
    const { rerender } = render(freshness(false));
    const status = screen.getByRole("status");
    expect(status.textContent).toContain("Computed just now (09:00:00, from cache)");
    const indicator = screen.getByTestId("refreshing");
    expect(status.contains(indicator)).toBe(false);
    // Hidden by class (.invisible is visibility: hidden in styles.css), still in the layout.
    expect(indicator.classList.contains("invisible")).toBe(true);

    rerender(freshness(true));
    expect(screen.getByTestId("refreshing").classList.contains("invisible")).toBe(false);
    expect(screen.getByRole("status").textContent).not.toContain("Refreshing");
  });
});
