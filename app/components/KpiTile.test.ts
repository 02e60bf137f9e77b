import { describe, expect, it } from "vitest";
import { delta } from "./KpiTile";

describe("delta", () => {
  it("gives percentage points for rates and per cent for amounts, coloured by what is good", () => {
    expect(delta(80, 75, { unit: "pp", higherIsBetter: true, label: "yesterday" })).toEqual({ text: "+5.0 pts vs yesterday", direction: "up", good: true });
    expect(delta(90, 120, { unit: "%", higherIsBetter: true, label: "yesterday" })).toEqual({ text: "−25.0 % vs yesterday", direction: "down", good: false });
    // More unknown time is bad news.
    expect(delta(12, 10, { unit: "pp", higherIsBetter: false, label: "yesterday" })).toMatchObject({ direction: "up", good: false });
    expect(delta(10, 10.01, { unit: "pp", higherIsBetter: false, label: "yesterday" })).toMatchObject({ direction: "flat", good: true });
  });

  it("does not invent a change from nothing", () => {
    expect(delta(null, 10, { unit: "pp", higherIsBetter: true, label: "x" })).toBeUndefined();
    expect(delta(5, 0, { unit: "%", higherIsBetter: true, label: "x" })).toMatchObject({ text: "no data in the x", direction: "flat" });
  });
});
