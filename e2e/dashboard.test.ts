// End-to-end: the built dashboard on `wrangler pages dev`, bound to the API on `wrangler dev`, with
// seeded demo data, driven in real headless Chromium. Numbers on screen are checked against the
// API's own answers for the same window. Writes the overview's screenshot to docs/dashboard.png.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import type { FactoryMetrics, WorkerMetrics } from "../contract/metrics";
import type { DriftResponse } from "../contract/models";
import type { TimelineResponse, WorkerTimelineResponse } from "../contract/timeline";
import { resolveWindow } from "../app/lib/window";
import { baselineBefore, versionLabel } from "../app/lib/drift";
import { formatNumber } from "../app/lib/format";
import { startE2eStack, stopEverythingStarted, type E2eStack } from "./stack";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = new URL("../docs/dashboard.png", import.meta.url).pathname;

type Cached<T> = { metrics: T; window: { start: string; end: string } };

// Fail rather than hang when something does not come up (node:test has no default timeout).
const SETUP = { timeout: 5 * 60_000 };
const TEST = { timeout: 90_000 };

let stack: E2eStack;
let browser: Browser;
/** Console errors and uncaught exceptions per page, from its first load through every navigation. */
const consoleErrors = new WeakMap<Page, string[]>();

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  consoleErrors.set(page, errors);
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${stack.appUrl}${path}`);
  // Clicks before hydration would be lost: the app marks <html data-hydrated> once it is interactive.
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
  return page;
}

/** Closes a page after checking it logged no console error and threw nothing, whatever ran before it. */
async function close(page: Page): Promise<void> {
  const errors = consoleErrors.get(page) ?? [];
  await page.close();
  assert.deepEqual(errors, [], "console errors on the page");
}

/**
 * The instant the page's loader resolved its window at, from the router's loader data. Windows
 * such as "yesterday" are resolved against it: the test's own clock, read later, may already be
 * past midnight in the site's zone and name another day.
 */
async function asOf(page: Page): Promise<Date> {
  const iso = await page.evaluate(() => {
    type Data = Record<string, { window?: { asOf: string | Date } } | null>;
    const data = (window as unknown as { __remixRouter: { state: { loaderData: Data } } }).__remixRouter.state.loaderData;
    const w = Object.values(data).find((d) => d?.window?.asOf)?.window;
    return w ? new Date(w.asOf).toISOString() : null;
  });
  assert.ok(iso, "the page's loader data holds its window");
  return new Date(iso);
}

/** The window `page` resolved from the query string, as of the page's own instant. */
async function windowOf(page: Page, search: string) {
  return resolveWindow(new URLSearchParams(search), stack.timeZone, await asOf(page));
}

/** The API's cached numbers for the window the page shows, resolved from the same query string. */
async function apiFor<T>(page: Page, path: string, search: string): Promise<Cached<T>> {
  const w = await windowOf(page, search);
  return stack.api<Cached<T>>(path, { start: w.start.toISOString(), end: w.end.toISOString(), populate: "true" });
}

before(async () => {
  stack = await startE2eStack({ log: process.env.E2E_VERBOSE ? (l) => console.log(l) : undefined });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, SETUP);

after(async () => {
  await browser?.close();
  await stopEverythingStarted();
}, SETUP);

describe("dashboard", () => {
  it("shows yesterday's factory figures, charts and tables as the API computes them", TEST, async () => {
    const page = await open("/?window=yesterday");
    const factory = await apiFor<FactoryMetrics>(page, "/metrics/cache/factory", "window=yesterday");
    const workers = await apiFor<WorkerMetrics[]>(page, "/metrics/cache/workers", "window=yesterday");
    assert.ok(factory.metrics.units > 0, "the seed put units into yesterday");

    assert.equal(await page.getByTestId("kpi-units").locator(".kpi-value").innerText(), formatNumber(factory.metrics.units));
    assert.equal(await page.getByTestId("kpi-active-workers").locator(".kpi-value").innerText(), formatNumber(factory.metrics.active_workers));

    // Bars carry their values: together they are the day's units.
    const barValues = await page.locator('[data-testid="chart-bar"] rect.bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
    assert.equal(barValues.reduce((a, b) => a + b, 0), factory.metrics.units);
    assert.equal(await page.locator('[data-testid="chart-line"] circle.dot').count(), factory.metrics.hourly.filter((h) => h.active_workers > 0).length);

    const rows = page.getByTestId("workers-table").locator("tbody tr");
    assert.equal(await rows.count(), workers.metrics.length);
    for (const w of workers.metrics) {
      const row = rows.filter({ has: page.locator("th", { hasText: new RegExp(`^${w.worker_id}$`) }) });
      assert.equal(await row.locator('td[data-column="units"]').innerText(), formatNumber(w.units), `units of ${w.worker_id}`);
    }

    // Sorting by units (a client-side interaction, so this also proves hydration).
    await page.getByTestId("workers-table").locator('button[data-column="units"]').click();
    const shown = await rows.locator('td[data-column="units"]').allInnerTexts();
    const expected = [...workers.metrics].sort((a, b) => b.units - a.units).map((w) => formatNumber(w.units));
    assert.deepEqual(shown, expected);
    assert.equal(await page.getByTestId("workers-table").locator('th[aria-sort="descending"]').count(), 1);
    await close(page);
  });

  it("changes the URL and the data with the window picker", TEST, async () => {
    const page = await open("/?window=yesterday");
    const before = await page.getByTestId("window-range").innerText();
    // The last 7 days hold both seeded days whatever the time of day (today may not have begun its shifts).
    await page.locator('a[data-window="7d"]').click();
    await page.waitForURL(/window=7d/);
    await page.waitForFunction((b) => document.querySelector('[data-testid="window-range"]')?.textContent !== b, before);
    const week = await apiFor<FactoryMetrics>(page, "/metrics/cache/factory", "window=7d");
    assert.ok(week.metrics.units > 0);
    assert.equal(await page.getByTestId("kpi-units").locator(".kpi-value").innerText(), formatNumber(week.metrics.units));

    // A custom range of the two seeded days.
    const w = await windowOf(page, "window=yesterday");
    const t = await windowOf(page, "window=today");
    await page.locator('input[name="from"]').fill(w.from);
    await page.locator('input[name="to"]').fill(t.to);
    await page.getByRole("button", { name: "Show range" }).click();
    await page.waitForURL(new RegExp(`window=custom&from=${w.from}&to=${t.to}`));
    const range = await apiFor<FactoryMetrics>(page, "/metrics/cache/factory", `window=custom&from=${w.from}&to=${t.to}`);
    await page.waitForFunction(
      (units) => document.querySelector('[data-testid="kpi-units"] .kpi-value')?.textContent === units,
      formatNumber(range.metrics.units),
    );
    await close(page);
  });

  it("downloads the workers table as CSV", TEST, async () => {
    const page = await open("/?window=yesterday");
    const workers = await apiFor<WorkerMetrics[]>(page, "/metrics/cache/workers", "window=yesterday");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("workers-table").getByRole("link", { name: "Download CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8").trim().split("\r\n");
    assert.match(download.suggestedFilename(), /^demo-workers-.*\.csv$/);
    assert.equal(csv[0].split(",")[0], "Worker");
    assert.equal(csv.length, workers.metrics.length + 1);
    const w1 = csv.find((l) => l.startsWith("W1,"))!.split(",");
    const units = csv[0].split(",").indexOf("Units");
    assert.equal(Number(w1[units]), workers.metrics.find((w) => w.worker_id === "W1")!.units);
    await close(page);
  });

  it("opens a worker's page with its timeline and a workstation's page", TEST, async () => {
    const page = await open("/?window=yesterday");
    await page.getByTestId("workers-table").getByRole("link", { name: "W1", exact: true }).click();
    await page.waitForURL(/\/workers\/W1\?window=yesterday/);
    const w1 = await apiFor<WorkerMetrics>(page, "/metrics/cache/worker/W1", "window=yesterday");
    assert.equal(await page.getByTestId("worker-units").innerText(), formatNumber(w1.metrics.units));
    // Yesterday is closed: the timeline the page drew is the API's, interval for interval.
    const w = await windowOf(page, "window=yesterday");
    const window = { start: w.start.toISOString(), end: w.end.toISOString() };
    const timeline = await stack.api<WorkerTimelineResponse>("/timeline/worker/W1", window);
    assert.ok(timeline.intervals.some((i) => i.state === "working"), "the seed had W1 work yesterday");
    const states = (p: Page) => p.locator('[data-testid="timeline"] rect.seg').evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
    assert.deepEqual(await states(page), timeline.intervals.map((i) => i.state));
    const confidence = page.getByTestId("confidence-table").locator("tbody tr");
    assert.deepEqual(await confidence.locator("th").allInnerTexts(), timeline.confidence_by_model.map((m) => m.model_version ?? "(none)"));
    assert.deepEqual(await confidence.locator('td[data-column="events"]').allInnerTexts(), timeline.confidence_by_model.map((m) => formatNumber(m.events)));
    assert.equal(timeline.confidence_by_model.reduce((n, m) => n + m.events, 0), w1.metrics.events);

    const station = await open("/workstations/S1?window=yesterday");
    const sw = await windowOf(station, "window=yesterday");
    const stationTimeline = await stack.api<TimelineResponse>("/timeline/workstation/S1", { start: sw.start.toISOString(), end: sw.end.toISOString() });
    assert.ok(stationTimeline.intervals.length > 0, "the seed had someone at S1 yesterday");
    assert.deepEqual(await states(station), stationTimeline.intervals.map((i) => i.state));
    // For looking at the detail pages by eye: E2E_SHOTS=<dir>.
    if (process.env.E2E_SHOTS) {
      await page.screenshot({ path: `${process.env.E2E_SHOTS}/worker.png`, fullPage: true });
      await station.screenshot({ path: `${process.env.E2E_SHOTS}/workstation.png`, fullPage: true });
    }
    await close(station);
    await close(page);
  });

  it("opens the model drift panel from the overview, with the API's versions and flags", TEST, async () => {
    const page = await open("/?window=yesterday");
    await page.getByTestId("drift-link").click();
    await page.waitForURL(/\/models\?window=yesterday/);
    const w = await windowOf(page, "window=yesterday");
    const b = baselineBefore(w);
    const drift = await stack.api<DriftResponse>("/models/drift", {
      start: w.start.toISOString(),
      end: w.end.toISOString(),
      baseline_start: b.start.toISOString(),
      baseline_end: b.end.toISOString(),
    });
    assert.ok(drift.models.length > 0, "the seed put model versions into yesterday");
    const cards = page.getByTestId("drift-model");
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-version"))), drift.models.map((m) => versionLabel(m.model_version)));
    for (const m of drift.models) {
      const card = page.locator(`[data-testid="drift-model"][data-version="${versionLabel(m.model_version)}"]`);
      assert.equal(await card.getByTestId("drift-events").innerText(), formatNumber(m.window.events));
      assert.equal(await card.getByTestId("drift-flag").count(), m.flagged ? 1 : 0);
      assert.equal(await card.locator("rect.drift-window").count(), 10);
    }
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/models.png`, fullPage: true });
    await close(page);
  });

  it("explains an empty window", TEST, async () => {
    const page = await open("/?window=custom&from=2001-01-01&to=2001-01-02");
    assert.match(await page.getByTestId("empty-state").innerText(), /curl -X POST/);
    await close(page);
  });

  it("renders the overview for the README screenshot, without console errors", TEST, async () => {
    const page = await open("/?window=yesterday");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await close(page);
  });
});
