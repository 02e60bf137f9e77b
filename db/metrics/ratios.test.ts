import { describe, expect, it } from "vitest";
import { perHour, trackedUtilizationPct } from "./ratios";

describe("trackedUtilizationPct", () => {
  it("judges the tracked time only, whatever part of the hour or window was tracked", () => {
    // Two workers in an hour, one of whom started at half past: 45 min working of 60 tracked is
    // 75 %, not 45 ÷ (2 × 60) = 37.5 %.
    expect(trackedUtilizationPct(2700, 600, 300)).toBe(75);
    // 6 h working of an 8 h shift at a workstation: 75 % staffed, whatever the window's length.
    expect(trackedUtilizationPct(6 * 3600, 3600, 3600)).toBe(75);
    expect(trackedUtilizationPct(0, 1800, 0)).toBe(0);
    expect(trackedUtilizationPct(0, 0, 0)).toBeNull();
  });

  it("units per hour is null without time to divide by", () => {
    expect(perHour(30, 1800)).toBe(60);
    expect(perHour(30, 0)).toBeNull();
  });
});
