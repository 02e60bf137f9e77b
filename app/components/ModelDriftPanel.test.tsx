import { cleanup, render, screen, within } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import type { DriftResponse, DriftSample, ModelDrift } from "../../contract/models";
import { ModelDriftPanel } from "./ModelDriftPanel";

const sample = (histogram: number[], types: [number, number, number, number], mean: number | null): DriftSample => ({
  events: histogram.reduce((s, c) => s + c, 0),
  mean_confidence: mean,
  event_types: { working: types[0], idle: types[1], absent: types[2], product_count: types[3] },
  histogram,
});
const none = sample(Array(10).fill(0), [0, 0, 0, 0], null);

const fresh: ModelDrift = {
  model_version: "v1.5.0",
  window: sample([0, 0, 0, 0, 0, 0, 0, 10, 30, 60], [50, 20, 10, 20], 0.885),
  baseline_kind: "all_versions",
  baseline: sample([0, 0, 0, 0, 0, 0, 0, 20, 60, 320], [200, 100, 20, 80], 0.93),
  ks: { d: 0.3125, p_value: 2e-9, n: 100, m: 400 },
  flagged: true,
};
const stable: ModelDrift = {
  model_version: "v1.4.2",
  window: sample([0, 0, 0, 0, 0, 0, 0, 5, 15, 80], [60, 20, 10, 10], 0.93),
  baseline_kind: "same_version",
  baseline: sample([0, 0, 0, 0, 0, 0, 0, 20, 60, 320], [200, 100, 20, 80], 0.931),
  ks: { d: 0.031, p_value: 0.42, n: 100, m: 400 },
  flagged: false,
};
const unversioned: ModelDrift = {
  model_version: null,
  window: sample([1, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 2, 0], 0.5),
  baseline_kind: "none",
  baseline: none,
  ks: null,
  flagged: false,
};

const response = (models: ModelDrift[]): DriftResponse => ({
  site_id: "demo",
  window: { start: "2026-03-02T23:00:00.000Z", end: "2026-03-03T23:00:00.000Z" },
  baseline_window: { start: "2026-02-23T23:00:00.000Z", end: "2026-03-02T23:00:00.000Z" },
  computed_at: "2026-03-04T08:00:00.000Z",
  rule: { threshold: 0.01, min_effect: 0.1, min_baseline_events: 30 },
  models,
});

afterEach(cleanup);

describe("ModelDriftPanel", () => {
  it("renders every version on the server, flagging only the one that drifted", () => {
    const html = renderToString(<ModelDriftPanel drift={response([stable, fresh, unversioned])} timeZone="Europe/Berlin" />);
    const doc = new DOMParser().parseFromString(html, "text/html");
    const cards = [...doc.querySelectorAll('[data-testid="drift-model"]')];
    expect(cards.map((c) => c.getAttribute("data-version"))).toEqual(["v1.4.2", "v1.5.0", "(no version)"]);
    expect(cards.map((c) => c.querySelector('[data-testid="drift-flag"]') !== null)).toEqual([false, true, false]);
    expect(doc.querySelector('[data-testid="drift-summary"]')?.textContent).toBe("3 model version(s) in this window; 1 flagged for drift.");
    // The baseline is stated in the site's time zone.
    expect(doc.querySelector('[data-testid="drift-baseline"]')?.textContent).toMatch(/^Tue 24 Feb,? 00:00 – Tue 3 Mar,? 00:00 \(Europe\/Berlin\)$/);

    const [, v150, unv] = cards;
    expect(v150.querySelector('[data-testid="drift-d"]')?.textContent).toBe("0.313");
    expect(v150.querySelector('[data-testid="drift-p"]')?.textContent).toBe("< 0.0001");
    expect(v150.textContent).toContain("Compared with all 400 baseline events, every version (it has fewer than 30 of its own there).");
    expect(v150.querySelector("svg")?.getAttribute("width")).toBe("420");

    // Bars carry their counts; heights are shares of each sample, so the baseline's 320 of 400
    // (80 %) stands taller than the window's 60 of 100 (60 %).
    const bars = (series: string) => [...v150.querySelectorAll(`rect.drift-${series}`)];
    expect(bars("window").map((b) => Number(b.getAttribute("data-count")))).toEqual(fresh.window.histogram);
    expect(bars("baseline").map((b) => Number(b.getAttribute("data-count")))).toEqual(fresh.baseline.histogram);
    const h = (b: Element) => Number(b.getAttribute("height"));
    expect(h(bars("baseline")[9]) / h(bars("window")[9])).toBeCloseTo(80 / 60, 5);

    // Without a baseline: no baseline bars, no test, and it says so.
    expect(unv.querySelectorAll("rect.drift-baseline")).toHaveLength(0);
    expect(unv.querySelector(".badge")?.textContent).toBe("No baseline");
    expect(unv.querySelector('[data-testid="drift-p"]')?.textContent).toBe("–");
  });

  it("has the histogram and the type mix as tables", () => {
    render(<ModelDriftPanel drift={response([fresh])} timeZone="UTC" />);
    const card = screen.getByRole("article", { name: "Model version v1.5.0" });
    expect(within(card).getByRole("img", { name: "Confidence of v1.5.0: window vs baseline" })).toBeTruthy();
    const hist = within(card).getByTestId("drift-histogram-table");
    const rows = within(hist).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual([
      "0.0–0.1", "0.1–0.2", "0.2–0.3", "0.3–0.4", "0.4–0.5", "0.5–0.6", "0.6–0.7", "0.7–0.8", "0.8–0.9", "0.9–1",
    ]);
    expect(within(rows[9]).getAllByRole("cell").map((c) => c.textContent)).toEqual(["60", "60.0 %", "320", "80.0 %"]);
    const types = within(card).getByTestId("drift-types");
    const product = within(types).getByRole("row", { name: /product count/ });
    expect(within(product).getAllByRole("cell").map((c) => c.textContent)).toEqual(["20", "20.0 %", "80", "20.0 %"]);
  });

  it("offers each version's tables as CSV for the same window", () => {
    render(<ModelDriftPanel drift={response([fresh, unversioned])} timeZone="UTC" exportSearch="window=7d" exportBase="/sites/demo" />);
    const links = (name: string) =>
      within(screen.getByRole("article", { name: `Model version ${name}` }))
        .getAllByRole("link", { name: "Download CSV", hidden: true })
        .map((a) => a.getAttribute("href"));
    expect(links("v1.5.0")).toEqual([
      "/sites/demo/export/model-confidence-histogram?id=v1.5.0&window=7d",
      "/sites/demo/export/model-event-types?id=v1.5.0&window=7d",
    ]);
    expect(links("(no version)")[1]).toBe("/sites/demo/export/model-event-types?id=(no%20version)&window=7d");
  });

  it("explains an empty window", () => {
    render(<ModelDriftPanel drift={response([])} timeZone="UTC" />);
    expect(screen.getByTestId("drift-empty").textContent).toMatch(/No events in this window/);
    expect(screen.queryAllByTestId("drift-model")).toHaveLength(0);
  });
});
