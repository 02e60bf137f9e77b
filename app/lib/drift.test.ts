import { describe, expect, it } from "vitest";
import { baselineBefore, formatPValue, shares } from "./drift";

describe("baselineBefore", () => {
  it("is the 168 hours before the window, also across a DST change", () => {
    // Berlin moved its clocks forward on 2026-03-29: the baseline still spans exactly 7 × 24 h.
    const start = new Date("2026-03-31T22:00:00.000Z");
    expect(baselineBefore({ start })).toEqual({ start: new Date("2026-03-24T22:00:00.000Z"), end: start });
  });
});

describe("formatPValue", () => {
  it("shows three decimals, four below 0.001 and a bound below 0.0001", () => {
    expect(formatPValue(0.5)).toBe("0.500");
    expect(formatPValue(0.0123)).toBe("0.012");
    expect(formatPValue(0.00042)).toBe("0.0004");
    expect(formatPValue(3e-9)).toBe("< 0.0001");
    expect(formatPValue(null)).toBe("–");
  });
});

describe("shares", () => {
  it("turns counts into per cent of the sample", () => {
    expect(shares([1, 3, 0, 4])).toEqual([12.5, 37.5, 0, 50]);
    expect(shares([0, 0])).toEqual([0, 0]);
  });
});
