// End-to-end: the built dashboard on `wrangler pages dev`, bound to the API on `wrangler dev`, with
// seeded demo data and the demo logins, driven in real headless Chromium. Numbers on screen are
// checked against the API's own answers for the same window; every page is checked for console
// errors, which include anything its Content-Security-Policy blocked. Writes the site overview's
// screenshot to docs/dashboard.png.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
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
/** Signed in as the demo manager (every figure of the demo site, per worker too). */
let manager: BrowserContext;
/** Console errors and uncaught exceptions per page, from its first load through every navigation. */
const consoleErrors = new WeakMap<Page, string[]>();

const newContext = () => browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });

/** The demo site's page `rest` (e.g. "/models?window=7d"). */
const sitePage = (rest = "") => `/sites/${stack.siteId}${rest}`;

function watch(page: Page): Page {
  const errors: string[] = [];
  consoleErrors.set(page, errors);
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

/** Signs in through the sign-in page's form. */
async function signIn(page: Page, role: "owner" | "manager" | "viewer"): Promise<void> {
  const login = stack.logins.find((l) => (role === "owner" ? l.owner : l.role === role))!;
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Email").fill(login.email);
  await page.getByLabel("Password").fill(login.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname !== "/login");
}

async function open(path: string, context = manager): Promise<Page> {
  const page = watch(await context.newPage());
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
  manager = await newContext();
  const page = watch(await manager.newPage());
  await page.goto(`${stack.appUrl}/login`);
  await signIn(page, "manager");
  await close(page);
}, SETUP);

after(async () => {
  await browser?.close();
  await stopEverythingStarted();
}, SETUP);

describe("dashboard", () => {
  it("shows yesterday's factory figures, charts and tables as the API computes them", TEST, async () => {
    const page = await open(sitePage("?window=yesterday"));
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
    const page = await open(sitePage("?window=yesterday"));
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
    const page = await open(sitePage("?window=yesterday"));
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
    const page = await open(sitePage("?window=yesterday"));
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

    const station = await open(sitePage("/workstations/S1?window=yesterday"));
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
    const page = await open(sitePage("?window=yesterday"));
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
    const page = await open(sitePage("?window=custom&from=2001-01-01&to=2001-01-02"));
    assert.match(await page.getByTestId("empty-state").innerText(), /curl -X POST/);
    await close(page);
  });

  it("signs in through the form and back to the page asked for, under the Content-Security-Policy", TEST, async () => {
    const context = await newContext();
    const page = watch(await context.newPage());
    const first = await page.goto(`${stack.appUrl}${sitePage("/models?window=7d")}`);
    assert.equal(new URL(page.url()).pathname, "/login");
    const csp = first!.headers()["content-security-policy"];
    assert.match(csp, /script-src 'self' 'nonce-[^']+'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(first!.headers()["x-content-type-options"], "nosniff");
    assert.equal(first!.headers()["cache-control"], "private, no-store");
    // The wrong password first.
    await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
    await page.getByLabel("Email").fill(stack.logins[1].email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.equal(await page.getByTestId("login-error").innerText(), "Email or password is wrong.");
    // The refusal is a 401, which Chromium logs for the form's request: expected, and only that.
    const errors = consoleErrors.get(page)!;
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.ok(errors[0].endsWith("Failed to load resource: the server responded with a status of 401 (Unauthorized)"), errors[0]);
    errors.length = 0;
    await signIn(page, "manager");
    await page.waitForURL(/\/models\?window=7d$/);
    await page.locator('[data-testid="drift-model"]').first().waitFor();
    // The session cookie is out of the page's reach.
    assert.equal(await page.evaluate(() => document.cookie.includes("wpd_session")), false);
    // The browser hides nonces from the page once it has parsed them.
    assert.equal(await page.evaluate(() => Array.from(document.querySelectorAll("script")).every((s) => s.getAttribute("nonce") === "")), true);
    await close(page);
    // Signing out: back to the sign-in page, and the site is closed again.
    const again = await open(sitePage(), context);
    await again.getByRole("button", { name: "Log out", exact: true }).click();
    await again.waitForURL(/\/login$/);
    await again.goto(`${stack.appUrl}/`);
    assert.equal(new URL(again.url()).pathname, "/login");
    await close(again);
    await context.close();
  });

  it("lists the user's sites on the organisation overview, and switches sites keeping the page", TEST, async () => {
    const page = await open("/");
    const card = page.locator(`[data-testid="site-card"][data-site="${stack.siteId}"]`);
    // Today in the site's zone as of the page's own instant (its loader data's `now`).
    const now = await page.evaluate(() => {
      const data = (window as unknown as { __remixRouter: { state: { loaderData: Record<string, { now?: string }> } } }).__remixRouter.state.loaderData;
      return data["routes/_index"]?.now ?? null;
    });
    assert.ok(now, "the overview's loader data holds its instant");
    const t = resolveWindow(new URLSearchParams("window=today"), stack.timeZone, new Date(now));
    const today = await stack.api<Cached<FactoryMetrics>>("/metrics/cache/factory", { start: t.start.toISOString(), end: t.end.toISOString(), populate: "true" });
    assert.equal(await card.getByTestId("site-units").innerText(), formatNumber(today.metrics.units));
    await card.getByRole("link", { name: `Open` }).click();
    await page.waitForURL(new RegExp(`${sitePage()}$`));
    await page.getByTestId("drift-link").click();
    await page.waitForURL(/\/models\?/);
    await page.getByTestId("site-switcher").click();
    const href = await page.locator(`.site-switcher a[data-site="${stack.siteId}"]`).getAttribute("href");
    assert.match(href!, new RegExp(`^${sitePage("/models")}\\?`));
    await close(page);
  });

  it("shows a viewer without worker detail the site without its per-worker table", TEST, async () => {
    const context = await newContext();
    const page = watch(await context.newPage());
    await page.goto(`${stack.appUrl}/login?next=${encodeURIComponent(sitePage("?window=yesterday"))}`);
    await signIn(page, "viewer");
    await page.getByTestId("workstations-table").waitFor();
    assert.equal(await page.getByTestId("workers-table").count(), 0);
    assert.match(await page.getByTestId("workers-hidden").innerText(), /not part of your access/);
    await close(page);
    await context.close();
  });

  it("keeps a viewer without worker detail out of worker pages and per-worker exports, also by typed URL", TEST, async () => {
    const context = await newContext();
    const page = watch(await context.newPage());
    await page.goto(`${stack.appUrl}/login`);
    await signIn(page, "viewer");
    const workerPage = await page.goto(`${stack.appUrl}${sitePage("/workers/W1?window=yesterday")}`);
    assert.equal(workerPage!.status(), 403);
    assert.match(await page.locator("main").innerText(), /per-worker/i);
    // Chromium logs the 403 document load: expected, and only that.
    consoleErrors.get(page)!.length = 0;
    const perWorker = await context.request.get(`${stack.appUrl}${sitePage("/export/workers?window=yesterday")}`);
    assert.equal(perWorker.status(), 403);
    assert.doesNotMatch(await perWorker.text(), /W1/);
    const stations = await context.request.get(`${stack.appUrl}${sitePage("/export/workstations?window=yesterday")}`);
    assert.equal(stations.status(), 200);
    await close(page);
    await context.close();
  });

  it("answers 404 to a manager who types another site's URL, and shows an owner both sites", TEST, async () => {
    const page = watch(await manager.newPage());
    const other = await page.goto(`${stack.appUrl}/sites/${stack.otherSiteId}?window=yesterday`);
    assert.equal(other!.status(), 404);
    consoleErrors.get(page)!.length = 0;
    const exported = await manager.request.get(`${stack.appUrl}/sites/${stack.otherSiteId}/export/workstations?window=yesterday`);
    assert.equal(exported.status(), 404);
    await page.goto(`${stack.appUrl}/`);
    const managerSites = await page.locator('[data-testid="site-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute("data-site")));
    assert.deepEqual(managerSites, [stack.siteId]);
    await close(page);

    const context = await newContext();
    const owner = watch(await context.newPage());
    await owner.goto(`${stack.appUrl}/login`);
    await signIn(owner, "owner");
    await owner.goto(`${stack.appUrl}/`);
    const ownerSites = await owner.locator('[data-testid="site-card"]').evaluateAll((cards) => cards.map((c) => c.getAttribute("data-site")));
    assert.deepEqual(new Set(ownerSites), new Set([stack.siteId, stack.otherSiteId]));
    await close(owner);
    await context.close();
  });

  it("sends a visitor without a session to sign in, and answers exports and the API 401", TEST, async () => {
    const context = await newContext();
    const page = watch(await context.newPage());
    await page.goto(`${stack.appUrl}${sitePage("/workstations/S1?window=yesterday")}`);
    assert.equal(new URL(page.url()).pathname, "/login");
    assert.equal(new URL(page.url()).searchParams.get("next"), sitePage("/workstations/S1?window=yesterday"));
    const exported = await context.request.get(`${stack.appUrl}${sitePage("/export/workstations?window=yesterday")}`);
    assert.equal(exported.status(), 401);
    const api = await context.request.get(`${stack.apiUrl}/api/metrics/cache/factory?site=${stack.siteId}&start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z`);
    assert.equal(api.status(), 401);
    await close(page);
    await context.close();
  });

  it("renders the overview for the README screenshot, without console errors", TEST, async () => {
    const page = await open(sitePage("?window=yesterday"));
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await close(page);
  });
});
