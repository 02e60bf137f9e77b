// The cache rules without a database: every branch of decideCacheRead at both sides of each
// limit, with an injected clock, and the values the rules share with wrangler.toml and the
// dashboard.
import { describe, expect, it } from "vitest";
import { wranglerTables } from "../../test/wrangler-toml";
import { COMPARE_STEP_MS, CRON_INTERVAL_MS, isLiveAt, LIVE_RELOAD_MS } from "../../contract/cache-policy";
import {
  BOUND_CHECK_EVERY,
  checksBound,
  cronRefreshKeys,
  decideCacheRead,
  KEEP_MS,
  keepFrom,
  REFRESH_AFTER_MS,
  STALE_AFTER_MS,
  stampAfterRebuild,
  type ReadContext,
} from "./policy";

const WINDOW_END = new Date("2026-03-02T12:00:00Z");
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

/** A live entry (computed an hour before its window ends) read `age` ms after it was computed. */
function live(age: number, ctx: Partial<ReadContext> = {}) {
  const entry = { computedAt: ms(WINDOW_END, -3_600_000) };
  return decideCacheRead(entry, { windowEnd: WINDOW_END, now: ms(entry.computedAt, age), pendingRecompute: false, populate: true, ...ctx });
}

describe("decideCacheRead", () => {
  it("without an entry: a miss, or computed first for a reader that may populate, stored unless a recompute is pending", () => {
    const ctx = { windowEnd: WINDOW_END, now: WINDOW_END };
    expect(decideCacheRead(undefined, { ...ctx, pendingRecompute: false, populate: false })).toEqual({ action: "miss" });
    expect(decideCacheRead(undefined, { ...ctx, pendingRecompute: true, populate: false })).toEqual({ action: "miss" });
    expect(decideCacheRead(undefined, { ...ctx, pendingRecompute: false, populate: true })).toEqual({ action: "recompute_first", stale: false, store: true });
    expect(decideCacheRead(undefined, { ...ctx, pendingRecompute: true, populate: true })).toEqual({ action: "recompute_first", stale: true, store: false });
  });

  it("serves an entry computed at or after its window's end as final, however old", () => {
    for (const computedAt of [WINDOW_END, ms(WINDOW_END, 1), ms(WINDOW_END, 86_400_000)]) {
      const entry = { computedAt };
      for (const populate of [false, true]) {
        const now = ms(computedAt, 365 * 86_400_000);
        expect(decideCacheRead(entry, { windowEnd: WINDOW_END, now, pendingRecompute: false, populate })).toEqual({ action: "serve", entry, stale: false });
        // Late data reaches a final entry through its recompute request, which flags it meanwhile.
        expect(decideCacheRead(entry, { windowEnd: WINDOW_END, now, pendingRecompute: true, populate })).toEqual({ action: "serve", entry, stale: true });
      }
    }
  });

  it("takes an entry computed a millisecond before its window's end for live", () => {
    const entry = { computedAt: ms(WINDOW_END, -1) };
    const now = ms(entry.computedAt, REFRESH_AFTER_MS + 1);
    expect(decideCacheRead(entry, { windowEnd: WINDOW_END, now, pendingRecompute: false, populate: true })).toMatchObject({ action: "serve_then_refresh" });
  });

  it("serves a live entry up to REFRESH_AFTER_MS old as it is", () => {
    for (const age of [-1000, 0, REFRESH_AFTER_MS]) {
      expect(live(age)).toMatchObject({ action: "serve", stale: false });
      expect(live(age, { populate: false })).toMatchObject({ action: "serve", stale: false });
      expect(live(age, { pendingRecompute: true })).toMatchObject({ action: "serve", stale: true });
    }
  });

  it("refreshes a live entry over REFRESH_AFTER_MS old behind the answer, for a reader that may populate and with no recompute pending", () => {
    for (const age of [REFRESH_AFTER_MS + 1, STALE_AFTER_MS]) {
      expect(live(age)).toMatchObject({ action: "serve_then_refresh", stale: false });
      // A reader that may not populate only reads.
      expect(live(age, { populate: false })).toMatchObject({ action: "serve", stale: false });
      // The pending recompute rewrites the entry; a refresh now would read rollups it has yet to rebuild.
      expect(live(age, { pendingRecompute: true })).toMatchObject({ action: "serve", stale: true });
      expect(live(age, { pendingRecompute: true, populate: false })).toMatchObject({ action: "serve", stale: true });
    }
  });

  it("takes a live entry over STALE_AFTER_MS old for stale: computed first for a reader that may populate", () => {
    for (const age of [STALE_AFTER_MS + 1, 30 * 86_400_000]) {
      expect(live(age)).toEqual({ action: "recompute_first", stale: false, store: true });
      expect(live(age, { pendingRecompute: true })).toEqual({ action: "recompute_first", stale: true, store: false });
      expect(live(age, { populate: false })).toMatchObject({ action: "serve", stale: true });
      expect(live(age, { populate: false, pendingRecompute: true })).toMatchObject({ action: "serve", stale: true });
    }
  });

  it("keeps refreshing an entry computed while its window was open after the window ends, until a refresh makes it final", () => {
    const entry = { computedAt: ms(WINDOW_END, -60_000) };
    const ctx = { windowEnd: WINDOW_END, pendingRecompute: false, populate: true };
    expect(decideCacheRead(entry, { ...ctx, now: ms(WINDOW_END, 1000) })).toMatchObject({ action: "serve_then_refresh" });
    const refreshed = { computedAt: ms(WINDOW_END, 1000) };
    expect(decideCacheRead(refreshed, { ...ctx, now: ms(WINDOW_END, STALE_AFTER_MS * 2) })).toMatchObject({ action: "serve", stale: false });
  });

  it("hands back the entry it serves", () => {
    const entry = { computedAt: ms(WINDOW_END, -3_600_000), metrics: { events: 3 } };
    const decision = decideCacheRead(entry, { windowEnd: WINDOW_END, now: ms(entry.computedAt, 1000), pendingRecompute: false, populate: true });
    expect(decision.action === "serve" && decision.entry).toBe(entry);
  });
});

describe("stampAfterRebuild", () => {
  const now = new Date("2026-03-02T11:59:58Z");

  it("stamps no earlier than the write, and a window open at `now` before its end", () => {
    expect(stampAfterRebuild(now, WINDOW_END, ms(now, 1000))).toEqual(ms(now, 1000));
    // The clock reads earlier than the run's `now` (another machine's): `now` wins.
    expect(stampAfterRebuild(now, WINDOW_END, ms(now, -5000))).toEqual(now);
    // Written after the window ended: still just before its end, so it stays live and is refreshed on read.
    expect(stampAfterRebuild(now, WINDOW_END, ms(WINDOW_END, 5000))).toEqual(ms(WINDOW_END, -1));
  });

  it("stamps a window closed at `now` with the write time", () => {
    expect(stampAfterRebuild(WINDOW_END, WINDOW_END, ms(WINDOW_END, 5000))).toEqual(ms(WINDOW_END, 5000));
    expect(stampAfterRebuild(ms(WINDOW_END, 10), WINDOW_END, ms(WINDOW_END, 5))).toEqual(ms(WINDOW_END, 10));
  });
});

describe("the cron pass's part", () => {
  it("keeps today's factory and both lists warm, in the site's time zone", () => {
    // 16:00 UTC on 2 March is already 3 March in Tokyo.
    const keys = cronRefreshKeys({ siteId: "s1", timeZone: "Asia/Tokyo" }, new Date("2026-03-02T16:00:00Z"));
    expect(keys.map((k) => [k.entityType, k.entityId])).toEqual([
      ["factory", "s1"],
      ["worker", "*"],
      ["workstation", "*"],
    ]);
    for (const k of keys) {
      expect(k).toMatchObject({ siteId: "s1", windowStart: new Date("2026-03-02T15:00:00Z"), windowEnd: new Date("2026-03-03T15:00:00Z") });
    }
  });

  it("drops entries not recomputed for a week", () => {
    expect(KEEP_MS).toBe(7 * 86_400_000);
    expect(keepFrom(new Date("2026-03-09T00:00:00Z"))).toEqual(new Date("2026-03-02T00:00:00Z"));
  });
});

describe("checksBound", () => {
  it("checks one write in BOUND_CHECK_EVERY", () => {
    expect(checksBound(0)).toBe(true);
    expect(checksBound(1 / BOUND_CHECK_EVERY - 1e-9)).toBe(true);
    expect(checksBound(1 / BOUND_CHECK_EVERY)).toBe(false);
    expect(checksBound(0.5)).toBe(false);
  });
});

describe("values the cache shares", () => {
  it("wrangler.toml runs the cron pass every CRON_INTERVAL_MS", () => {
    expect(wranglerTables("triggers").map((t) => t.crons)).toEqual([[`*/${CRON_INTERVAL_MS / 60_000} * * * *`]]);
  });

  it("a live entry goes stale after one cron interval, and a page watching it never lets it", () => {
    expect(STALE_AFTER_MS).toBe(CRON_INTERVAL_MS);
    // Each reload finds the entry due for a refresh, so the next reload has the new numbers...
    expect(REFRESH_AFTER_MS).toBeLessThan(LIVE_RELOAD_MS);
    // ...and a page left open keeps its entry well within the stale limit.
    expect(LIVE_RELOAD_MS).toBeLessThan(STALE_AFTER_MS);
  });

  it("a live page's comparison window moves on whole steps of COMPARE_STEP_MS", () => {
    expect(COMPARE_STEP_MS % 1000).toBe(0); // cached windows are whole seconds
    expect(COMPARE_STEP_MS).toBeGreaterThan(LIVE_RELOAD_MS);
  });

  it("a window is live while it ends after the instant asked about", () => {
    expect(isLiveAt(WINDOW_END, ms(WINDOW_END, -1))).toBe(true);
    expect(isLiveAt(WINDOW_END, WINDOW_END)).toBe(false);
  });
});
