import { describe, expect, it } from "vitest";
import { previousWindow, resolveWindow, windowSearch } from "./window";

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
