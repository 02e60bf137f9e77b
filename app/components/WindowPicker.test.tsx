import { createRemixStub } from "@remix-run/testing";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { hydrateRoot } from "react-dom/client";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveWindow, type DashboardWindow } from "../lib/window";
import { WindowPicker } from "./WindowPicker";

const BERLIN = "Europe/Berlin";
const windowAt = (search: string, now: string) => resolveWindow(new URLSearchParams(search), BERLIN, new Date(now));

function Picker(props: { window: DashboardWindow }) {
  const Stub = createRemixStub([{ path: "/", Component: () => <WindowPicker window={props.window} timeZone={BERLIN} /> }]);
  return <Stub />;
}

const dateInput = (name: "from" | "to", root: HTMLElement | Document = document) => root.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;

afterEach(cleanup);

describe("WindowPicker custom range", () => {
  it("limits the dates to the plant's today from the loader, not the browser's clock", () => {
    // 23:30 UTC on 1 Mar 2026 is already 2 Mar in Berlin; the real clock is long past either.
    render(<Picker window={windowAt("window=custom&from=2026-02-10&to=2026-02-20", "2026-03-01T23:30:00Z")} />);
    expect([dateInput("from").max, dateInput("to").max]).toEqual(["2026-03-02", "2026-03-02"]);
    expect([dateInput("from").value, dateInput("to").value, dateInput("to").min]).toEqual(["2026-02-10", "2026-02-20", "2026-02-10"]);
  });

  it("keeps the end's minimum at the start being chosen", () => {
    render(<Picker window={windowAt("window=today", "2026-03-02T09:30:00Z")} />);
    fireEvent.change(dateInput("from"), { target: { value: "2026-02-14" } });
    expect(dateInput("to").min).toBe("2026-02-14");
    expect(screen.getByRole("button", { name: "Show range" })).toBeTruthy();
  });

  it("offers an end the limits accept when the window ends after today", () => {
    // 22:30 local: the night shift runs into tomorrow.
    render(<Picker window={windowAt("window=shift", "2026-03-02T21:30:00Z")} />);
    expect([dateInput("from").value, dateInput("to").value, dateInput("to").max]).toEqual(["2026-03-02", "2026-03-02", "2026-03-02"]);
  });

  it("hydrates the server's markup without a mismatch", async () => {
    const w = windowAt("window=custom&from=2026-02-10&to=2026-02-20", "2026-03-02T09:30:00Z");
    const container = document.createElement("div");
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      // React Router's links warn about useLayoutEffect when rendered on the server under jsdom.
      container.innerHTML = renderToString(<Picker window={w} />);
      document.body.appendChild(container);
      expect(dateInput("to", container).getAttribute("max")).toBe("2026-03-02");
      errors.mockClear();
      const root = await act(async () => hydrateRoot(container, <Picker window={w} />));
      expect(errors).not.toHaveBeenCalled();
      act(() => root.unmount());
    } finally {
      errors.mockRestore();
      container.remove();
    }
  });
});
