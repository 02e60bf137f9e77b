import { describe, expect, it } from "vitest";
import { formatChangePts, formatIsoLocal, formatPct, utilizationBand } from "./format";

describe("utilizationBand", () => {
  it("judges the value as formatPct shows it", () => {
    expect([64.94, 64.96, 85.04, 85.06].map((v) => [formatPct(v), utilizationBand(v)])).toEqual([
      ["64.9 %", "low"],
      ["65.0 %", "mid"],
      ["85.0 %", "mid"],
      ["85.1 %", "high"],
    ]);
    expect(utilizationBand(null)).toBe("none");
  });
});

describe("formatIsoLocal", () => {
  it("writes the site's wall clock with its offset, across DST and in zones with odd offsets", () => {
    expect(formatIsoLocal("2026-03-02T08:00:00.000Z", "Europe/Berlin")).toBe("2026-03-02T09:00:00+01:00");
    expect(formatIsoLocal("2026-07-01T22:30:00Z", "Europe/Berlin")).toBe("2026-07-02T00:30:00+02:00");
    expect(formatIsoLocal("2026-03-02T08:00:00.250Z", "America/New_York")).toBe("2026-03-02T03:00:00.250-05:00");
    expect(formatIsoLocal("2026-03-02T08:00:00Z", "Asia/Kolkata")).toBe("2026-03-02T13:30:00+05:30");
    expect(formatIsoLocal("2026-03-02T08:00:00Z", "UTC")).toBe("2026-03-02T08:00:00+00:00");
    expect(formatIsoLocal(null, "UTC")).toBeNull();
  });

  it("names the same instant it was given", () => {
    for (const iso of ["2026-03-29T00:59:59.999Z", "2026-03-29T01:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"]) {
      expect(Date.parse(formatIsoLocal(iso, "Europe/Berlin")!)).toBe(Date.parse(iso));
    }
  });
});

describe("formatChangePts", () => {
  it("signs changes", () => {
    expect([formatChangePts(4), formatChangePts(-0.04), formatChangePts(null)]).toEqual(["+4.0", "0.0", "–"]);
  });
});
