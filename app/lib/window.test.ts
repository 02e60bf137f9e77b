import { describe, expect, it } from "vitest";
import { MAX_CUSTOM_DAYS, previousWindow, resolveWindow, windowSearch } from "./window";

const BERLIN = "Europe/Berlin";
const q = (s: string) => new URLSearchParams(s);
const iso = (d: Date) => d.toISOString();

describe("resolveWindow", () => {
  // 2026-03-02 10:30 in Berlin (UTC+1).
  const now = new Date("2026-03-02T09:30:00Z");

  it("defaults to today, local midnight to midnight, live", () => {
    const w = resolveWindow(q(""), BERLIN, now);
    expect(w.preset).toBe("today");
    expect(iso(w.start)).toBe("2026-03-01T23:00:00.000Z");
    expect(iso(w.end)).toBe("2026-03-02T23:00:00.000Z");
    expect(w.live).toBe(true);
    expect([w.from, w.to]).toEqual(["2026-03-02", "2026-03-02"]);
  });

  it("yesterday is closed; last 7 days includes today", () => {
    const y = resolveWindow(q("window=yesterday"), BERLIN, now);
    expect([iso(y.start), iso(y.end), y.live]).toEqual(["2026-02-28T23:00:00.000Z", "2026-03-01T23:00:00.000Z", false]);
    const week = resolveWindow(q("window=7d"), BERLIN, now);
    expect([iso(week.start), iso(week.end), week.from, week.to]).toEqual([
      "2026-02-23T23:00:00.000Z",
      "2026-03-02T23:00:00.000Z",
      "2026-02-24",
      "2026-03-02",
    ]);
  });

  it("finds the current shift, including the night shift that began yesterday", () => {
    const morning = resolveWindow(q("window=shift"), BERLIN, now);
    expect([iso(morning.start), iso(morning.end)]).toEqual(["2026-03-02T05:00:00.000Z", "2026-03-02T13:00:00.000Z"]);
    const late = resolveWindow(q("window=shift"), BERLIN, new Date("2026-03-02T21:15:00Z")); // 22:15 local
    expect([iso(late.start), iso(late.end)]).toEqual(["2026-03-02T21:00:00.000Z", "2026-03-03T05:00:00.000Z"]);
    const night = resolveWindow(q("window=shift"), BERLIN, new Date("2026-03-02T03:00:00Z")); // 04:00 local
    expect([iso(night.start), iso(night.end)]).toEqual(["2026-03-01T21:00:00.000Z", "2026-03-02T05:00:00.000Z"]);
  });

  it("follows DST: the spring-forward day is 23 hours", () => {
    const w = resolveWindow(q("window=today"), BERLIN, new Date("2026-03-29T12:00:00Z"));
    expect((w.end.getTime() - w.start.getTime()) / 3_600_000).toBe(23);
    expect(iso(w.end)).toBe("2026-03-29T22:00:00.000Z");
  });

  it("takes custom local date ranges and explains refusals", () => {
    const w = resolveWindow(q("window=custom&from=2026-02-01&to=2026-02-03"), BERLIN, now);
    expect([w.preset, iso(w.start), iso(w.end), w.problem]).toEqual(["custom", "2026-01-31T23:00:00.000Z", "2026-02-03T23:00:00.000Z", undefined]);
    expect(resolveWindow(q("window=custom&from=2026-02-03&to=2026-02-01"), BERLIN, now)).toMatchObject({ preset: "today", problem: expect.stringMatching(/ends before/) });
    expect(resolveWindow(q("window=custom&from=2025-01-01&to=2026-02-01"), BERLIN, now).problem).toMatch(/at most 93 days/);
    expect(resolveWindow(q("window=custom&from=junk"), BERLIN, now).problem).toMatch(/start date/);
  });

  it("round-trips through the URL and gives the previous equal window", () => {
    const w = resolveWindow(q("window=custom&from=2026-02-01&to=2026-02-03"), BERLIN, now);
    expect(resolveWindow(q(windowSearch(w)), BERLIN, now)).toEqual(w);
    const p = previousWindow(w);
    expect([iso(p.start), iso(p.end)]).toEqual(["2026-01-28T23:00:00.000Z", "2026-01-31T23:00:00.000Z"]);
  });
});

describe("DST and API limits (review fixes)", () => {
  const shift = (now: string) => {
    const w = resolveWindow(q("window=shift"), BERLIN, new Date(now));
    return [iso(w.start), iso(w.end)];
  };

  it("picks the shift by local wall-clock time on the spring-forward day", () => {
    // 29 Mar 2026: 02:00 CET jumps to 03:00 CEST. 06:30 CEST is the morning shift, not the night one.
    expect(shift("2026-03-29T04:30:00Z")).toEqual(["2026-03-29T04:00:00.000Z", "2026-03-29T12:00:00.000Z"]);
    // 05:30 CEST: the night shift, 22:00 CET to 06:00 CEST (7 real hours).
    expect(shift("2026-03-29T03:30:00Z")).toEqual(["2026-03-28T21:00:00.000Z", "2026-03-29T04:00:00.000Z"]);
  });

  it("picks the shift by local wall-clock time on the fall-back day", () => {
    // 25 Oct 2026: 03:00 CEST falls back to 02:00 CET. 05:30 CET is still the night shift (9 real hours).
    expect(shift("2026-10-25T04:30:00Z")).toEqual(["2026-10-24T20:00:00.000Z", "2026-10-25T05:00:00.000Z"]);
    // 06:30 CET: the morning shift.
    expect(shift("2026-10-25T05:30:00Z")).toEqual(["2026-10-25T05:00:00.000Z", "2026-10-25T13:00:00.000Z"]);
  });

  it("refuses a 93-day range that the fall-back hour makes longer than the API allows", () => {
    const now = new Date("2026-12-01T12:00:00Z");
    // 93 local days containing 25 Oct 2026: 93 × 24 + 1 hours.
    const autumn = resolveWindow(q("window=custom&from=2026-08-01&to=2026-11-01"), BERLIN, now);
    expect([autumn.preset, autumn.problem]).toEqual(["today", expect.stringMatching(/at most 93 days/)]);
    // 93 local days containing 29 Mar 2026: 93 × 24 - 1 hours, within the limit.
    const spring = resolveWindow(q("window=custom&from=2026-03-01&to=2026-06-01"), BERLIN, now);
    expect([spring.preset, spring.problem]).toEqual(["custom", undefined]);
    expect(spring.end.getTime() - spring.start.getTime()).toBe((93 * 24 - 1) * 3_600_000);
    // 93 days without a DST change.
    expect(resolveWindow(q("window=custom&from=2026-11-01&to=2027-02-01"), BERLIN, now).preset).toBe("custom");
  });

  it("rejects dates that do not exist instead of rolling them over", () => {
    const now = new Date("2026-03-05T12:00:00Z");
    for (const bad of ["from=2026-02-31&to=2026-03-04", "from=2026-02-01&to=2026-02-30", "from=2026-13-01", "from=2026-04-31"]) {
      expect(resolveWindow(q(`window=custom&${bad}`), BERLIN, now)).toMatchObject({ preset: "today", problem: expect.any(String) });
    }
    expect(resolveWindow(q("window=custom&from=2028-02-29&to=2028-02-29"), BERLIN, now).preset).toBe("custom");
  });

  it("gives the local date the window was resolved on, for the picker", () => {
    // 23:30 UTC on 1 Mar is already 2 Mar in Berlin.
    expect(resolveWindow(q("window=yesterday"), BERLIN, new Date("2026-03-01T23:30:00Z")).today).toBe("2026-03-02");
  });
});

describe("previousWindow", () => {
  const hours = (p: { start: Date; end: Date }) => (p.end.getTime() - p.start.getTime()) / 3_600_000;

  it("compares a live window with the same elapsed time just before it", () => {
    // Today so far, 10:30 in Berlin: the previous window is yesterday 00:00 to 10:30.
    const w = resolveWindow(q("window=today"), BERLIN, new Date("2026-03-02T09:30:00Z"));
    const p = previousWindow(w);
    expect([iso(p.start), iso(p.end)]).toEqual(["2026-02-28T23:00:00.000Z", "2026-03-01T09:30:00.000Z"]);
    expect(hours(p)).toBe(10.5);
    // Reloads within the same 5 minutes compare with the same window (one cache entry, not one per reload).
    const later = previousWindow(resolveWindow(q("window=today"), BERLIN, new Date("2026-03-02T09:34:59Z")));
    expect([iso(later.start), iso(later.end)]).toEqual([iso(p.start), iso(p.end)]);
  });

  it("uses elapsed real time on a DST day", () => {
    // 29 Mar 2026 12:00 CEST (23-hour day): 11 real hours elapsed; the previous window starts 23 h earlier.
    const w = resolveWindow(q("window=today"), BERLIN, new Date("2026-03-29T10:00:00Z"));
    const p = previousWindow(w);
    expect([iso(p.start), iso(p.end)]).toEqual(["2026-03-28T00:00:00.000Z", "2026-03-28T11:00:00.000Z"]);
  });

  it("compares the current shift and last 7 days so far", () => {
    const now = new Date("2026-03-02T09:30:00Z"); // 10:30 local, shift began 06:00
    const s = previousWindow(resolveWindow(q("window=shift"), BERLIN, now));
    expect([iso(s.start), iso(s.end)]).toEqual(["2026-03-01T21:00:00.000Z", "2026-03-02T01:30:00.000Z"]);
    const week = resolveWindow(q("window=7d"), BERLIN, now);
    const pw = previousWindow(week);
    expect(iso(pw.start)).toBe(new Date(week.start.getTime() - (week.end.getTime() - week.start.getTime())).toISOString());
    expect(hours(pw)).toBe(6 * 24 + 10.5);
  });

  it("leaves closed windows as the whole equal window before", () => {
    const now = new Date("2026-03-02T09:30:00Z");
    const y = previousWindow(resolveWindow(q("window=yesterday"), BERLIN, now));
    expect([iso(y.start), iso(y.end)]).toEqual(["2026-02-27T23:00:00.000Z", "2026-02-28T23:00:00.000Z"]);
    const c = previousWindow(resolveWindow(q("window=custom&from=2026-02-01&to=2026-02-03"), BERLIN, now));
    expect([iso(c.start), iso(c.end)]).toEqual(["2026-01-28T23:00:00.000Z", "2026-01-31T23:00:00.000Z"]);
    // A window that ended exactly now is closed.
    const ended = previousWindow({ start: new Date("2026-03-01T09:30:00Z"), end: now, asOf: now });
    expect([iso(ended.start), iso(ended.end)]).toEqual(["2026-02-28T09:30:00.000Z", "2026-03-01T09:30:00.000Z"]);
  });

  it("gives an empty previous window for a window that has not begun", () => {
    const now = new Date("2026-03-02T09:30:00Z");
    const p = previousWindow(resolveWindow(q("window=custom&from=2026-03-10&to=2026-03-11"), BERLIN, now));
    expect(iso(p.start)).toBe("2026-03-07T23:00:00.000Z");
    expect(p.end.getTime()).toBe(p.start.getTime());
  });
});
