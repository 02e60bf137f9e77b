import { createRemixStub } from "@remix-run/testing";
import { cleanup, render, screen } from "@testing-library/react";
import { useEffect } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLoaderData } from "@remix-run/react";
import { LIVE_RELOAD_MS } from "../../contract/cache-policy";
import { useAutoRefresh } from "./useAutoRefresh";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

type Seen = { loads: number; refreshing: boolean };

/**
 * A page using the hook. Nothing here waits on real time: the test drives the interval with fake
 * timers and awaits what happens (a render committed, a loader called). React commits a render's
 * DOM before it runs its effects, so seeing "1" on screen does not mean the hook's interval exists
 * yet; on a loaded machine the effects ran after the test had already advanced the clock, and the
 * interval then waited for fake time that never came. The probe effect below is declared after the
 * hook, and effects of one component run in declaration order: once it has run for a render, so
 * has the hook's.
 */
function page(live: boolean, loader: (n: number) => Promise<void> | void = () => {}) {
  let loads = 0;
  const seen: Seen[] = [];
  const waiters: { until: (s: Seen) => boolean; resolve: () => void }[] = [];
  const Stub = createRemixStub([
    {
      path: "/",
      loader: async () => {
        const n = ++loads;
        await loader(n);
        return { loads: n };
      },
      Component: function Page() {
        const d = useLoaderData() as { loads: number };
        const refreshing = useAutoRefresh(live);
        useEffect(() => {
          const s = { loads: d.loads, refreshing };
          seen.push(s);
          for (const w of waiters.filter((w) => w.until(s))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }, [d.loads, refreshing]);
        return <p data-testid="loads">{d.loads}</p>;
      },
    },
  ]);
  render(<Stub />);
  return {
    loads: () => loads,
    /** Resolves once a render matching `until` has been committed and its effects have run. */
    committed: (until: (s: Seen) => boolean) =>
      seen.some(until) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ until, resolve })),
  };
}

const shown = () => screen.getByTestId("loads").textContent;

describe("useAutoRefresh", () => {
  it("reloads a live window's data every 30 s, keeping the page on screen", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    let secondLoadCalled!: () => void;
    const secondLoad = new Promise<void>((r) => (secondLoadCalled = r));
    let releaseSecondLoad!: () => void;
    const p = page(true, (n) => {
      if (n !== 2) return;
      secondLoadCalled();
      return new Promise<void>((r) => (releaseSecondLoad = r));
    });
    await p.committed((s) => s.loads === 1);
    expect(shown()).toBe("1");
    // The refresh interval, and no other.
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(LIVE_RELOAD_MS - 1);
    expect(p.loads()).toBe(1);
    vi.advanceTimersByTime(1);
    // The reload is under way (held in its loader): the first data stays on screen meanwhile.
    await secondLoad;
    await p.committed((s) => s.loads === 1 && s.refreshing);
    expect(shown()).toBe("1");
    releaseSecondLoad();
    await p.committed((s) => s.loads === 2 && !s.refreshing);
    expect(shown()).toBe("2");

    vi.advanceTimersByTime(LIVE_RELOAD_MS - 1);
    expect(p.loads()).toBe(2);
    vi.advanceTimersByTime(1);
    await p.committed((s) => s.loads === 3 && !s.refreshing);
    expect(shown()).toBe("3");
    expect(p.loads()).toBe(3);
  });

  it("leaves a closed window alone", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const p = page(false);
    await p.committed((s) => s.loads === 1);
    // The hook's effect has run and scheduled nothing, so no amount of time can reload the page.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(LIVE_RELOAD_MS * 3);
    expect(p.loads()).toBe(1);
    expect(shown()).toBe("1");
  });
});
