import { createRemixStub } from "@remix-run/testing";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLoaderData } from "@remix-run/react";
import { REFRESH_MS, useAutoRefresh } from "./useAutoRefresh";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function page(live: boolean) {
  let loads = 0;
  const Stub = createRemixStub([
    {
      path: "/",
      loader: () => ({ loads: ++loads }),
      Component: function Page() {
        const d = useLoaderData() as { loads: number };
        useAutoRefresh(live);
        return <p data-testid="loads">{d.loads}</p>;
      },
    },
  ]);
  render(<Stub />);
  return { loads: () => loads };
}

describe("useAutoRefresh", () => {
  it("reloads a live window's data every 30 s, keeping the page on screen", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const p = page(true);
    await waitFor(() => expect(screen.getByTestId("loads").textContent).toBe("1"));
    vi.advanceTimersByTime(REFRESH_MS - 1);
    expect(p.loads()).toBe(1);
    vi.advanceTimersByTime(1);
    await waitFor(() => expect(screen.getByTestId("loads").textContent).toBe("2"));
    vi.advanceTimersByTime(REFRESH_MS);
    await waitFor(() => expect(screen.getByTestId("loads").textContent).toBe("3"));
  });

  it("leaves a closed window alone", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const p = page(false);
    await waitFor(() => expect(screen.getByTestId("loads").textContent).toBe("1"));
    vi.advanceTimersByTime(REFRESH_MS * 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.loads()).toBe(1);
  });
});
