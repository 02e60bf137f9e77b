// @vitest-environment node
// The built dashboard (`remix vite:build`, as `npm run dev` and Pages serve it) answering whole
// requests, with the real API behind it: every page carries the security headers, and its
// Content-Security-Policy nonce is new per response and on every script the page has, so the
// browser runs the app's scripts and nothing else; data requests, exports and redirects get the
// headers too, and a document POST is refused without its CSRF token.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { crossSiteRefusal } from "./lib/csrf.server";
import { apiBinding, cookieOf, cookiePair, loadContext, ORIGIN, sessionSecret, siteId, users } from "./test/loader-harness";

// The server bundle is made for workerd, whose react-dom/server streams web streams; Node's entry
// of the same package lacks renderToReadableStream, its browser entry has it.
// @ts-expect-error: react-dom's types name no browser entry.
vi.mock("react-dom/server", () => import("react-dom/server.browser"));

const buildDir = new URL(`../.data/app-build-test/${process.pid}/`, import.meta.url).pathname;
let handle: (request: Request, env?: Record<string, unknown>) => Promise<Response>;

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["remix", "vite:build"], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { ...process.env, WPD_APP_BUILD_DIR: buildDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`remix vite:build failed (${code}):\n${out}`))));
  });
}

beforeAll(async () => {
  await build();
  const serverBuild = (await import(/* @vite-ignore */ pathToFileURL(`${buildDir}server/index.js`).href)) as ServerBuild;
  const handler = createRequestHandler(serverBuild, "production");
  // As pages/functions/[[path]].ts: a write from another origin is refused before Remix.
  handle = async (request, env = { API: apiBinding, SESSION_SECRET: sessionSecret }) =>
    crossSiteRefusal(request) ?? handler(request, loadContext(env));
}, 180_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

const get = (path: string, headers: Record<string, string> = {}) => handle(new Request(`${ORIGIN}${path}`, { headers }));

/** The nonce of a response's CSP, after checking the policy's other directives. */
function nonceOf(res: Response): string {
  const csp = res.headers.get("content-security-policy") ?? "";
  const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]));
  expect(directives).toMatchObject({
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
  });
  const m = /^'self' 'nonce-([A-Za-z0-9+/=]{22,})'$/.exec(directives["script-src"]);
  expect(m, directives["script-src"]).not.toBeNull();
  return m![1];
}

function expectBaseline(res: Response, noStore = true) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  if (noStore) expect(res.headers.get("cache-control")).toBe("private, no-store");
}

/** Every <script> of the page, with its nonce attribute. */
const scriptsOf = (html: string) => [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => /\bnonce="([^"]*)"/.exec(m[1])?.[1]);

describe("the built app's security headers", () => {
  it("the sign-in page: the headers, and every script carries this response's nonce", async () => {
    const res = await get("/login");
    expect(res.status).toBe(200);
    expectBaseline(res);
    const nonce = nonceOf(res);
    const html = await res.text();
    const scripts = scriptsOf(html);
    // The hydration data, the route modules and the scroll restoration are all scripts.
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(scripts.every((n) => n === nonce)).toBe(true);
    expect(html).toContain('name="csrf"');
    expect(res.headers.getSetCookie().some((c) => c.startsWith("wpd_csrf="))).toBe(true);
    // A new nonce for the next response.
    expect(nonceOf(await get("/login"))).not.toBe(nonce);
  });

  it("a signed-in page: the same, with the user's header and the site switcher", async () => {
    const res = await get(`/sites/${siteId}?window=yesterday`, { Cookie: await cookieOf("manager") });
    expect(res.status).toBe(200);
    expectBaseline(res);
    const nonce = nonceOf(res);
    const html = await res.text();
    expect(scriptsOf(html).every((n) => n === nonce)).toBe(true);
    expect(html).toContain('data-testid="user-name"');
    expect(html).toContain("Max Manager");
    expect(html).toContain('data-testid="site-switcher"');
    expect(html).toMatch(/<form method="post" action="\/logout"/);
    // No inline event handlers or javascript: links for the policy to block.
    expect(html).not.toMatch(/\son[a-z]+="/);
    expect(html).not.toContain("javascript:");
  });

  it("a client navigation's data, a redirect and an error page get the headers too", async () => {
    const data = await get(`/sites/${siteId}.data?window=yesterday`, { Cookie: await cookieOf("manager") });
    expect(data.status).toBe(200);
    expectBaseline(data);

    const redirect = await get(`/sites/${siteId}/models`);
    expect([redirect.status, redirect.headers.get("location")]).toEqual([302, `/login?next=${encodeURIComponent(`/sites/${siteId}/models`)}`]);

    const forbidden = await get(`/sites/${siteId}/workers/W1`, { Cookie: await cookieOf("viewer") });
    expect(forbidden.status).toBe(403);
    expectBaseline(forbidden);
    nonceOf(forbidden);
    expect(await forbidden.text()).toContain("does not include per-worker figures");

    const elsewhere = await get(`/sites/no-such-site`, { Cookie: await cookieOf("manager") });
    expect(elsewhere.status).toBe(404);
  });

  it("CSV exports: no-store and nosniff; 401 for someone not signed in", async () => {
    const csv = await get(`/sites/${siteId}/export/hourly?window=yesterday`, { Cookie: await cookieOf("manager") });
    expect([csv.status, csv.headers.get("content-type")]).toEqual([200, "text/csv; charset=utf-8"]);
    expectBaseline(csv);
    const anonymous = await get(`/sites/${siteId}/export/hourly?window=yesterday`);
    expect(anonymous.status).toBe(401);
  });

  it("without SESSION_SECRET a page explains it (500)", async () => {
    const broken = await handle(new Request(`${ORIGIN}/login`), { API: apiBinding });
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain("SESSION_SECRET is not set");
  });

  it("a document POST needs the CSRF token; with it, signing in sets a new session cookie", async () => {
    const page = await get("/login");
    const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith("wpd_csrf="))!;
    const token = /name="csrf" value="([^"]+)"/.exec(await page.text())![1];
    const planted = "wpd_session=planted";
    const post = (form: Record<string, string>, extra: Record<string, string> = {}) =>
      handle(
        new Request(`${ORIGIN}/login?next=%2F`, {
          method: "POST",
          // A browser's request has a Host (Remix compares an Origin with it).
          headers: { Host: new URL(ORIGIN).host, Cookie: `${cookiePair(csrfCookie)}; ${planted}`, "Content-Type": "application/x-www-form-urlencoded", ...extra },
          body: new URLSearchParams(form),
        }),
      );
    const refused = await post({ csrf: "not-the-token", ...users.viewer });
    expect(refused.status).toBe(403);
    expectBaseline(refused);
    // From another origin, even with the token: refused before any action runs.
    const crossSite = await post({ csrf: token, ...users.viewer }, { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.getSetCookie().some((c) => c.startsWith("wpd_session="))).toBe(false);
    const ok = await post({ csrf: token, ...users.viewer, next: `/sites/${siteId}` }, { Origin: ORIGIN });
    expect([ok.status, ok.headers.get("location")]).toEqual([302, `/sites/${siteId}`]);
    const session = ok.headers.getSetCookie().find((c) => c.startsWith("wpd_session="))!;
    expect(session).toMatch(/HttpOnly; Secure; SameSite=Lax$/);
    expect(cookiePair(session)).not.toBe(planted);
    // Signing out: a plain POST to /logout, also guarded.
    const logout = (csrf: string) =>
      handle(
        new Request(`${ORIGIN}/logout`, {
          method: "POST",
          headers: { Cookie: `${cookiePair(csrfCookie)}; ${cookiePair(session)}`, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrf }),
        }),
      );
    expect((await logout("wrong")).status).toBe(403);
    const out = await logout(token);
    expect([out.status, out.headers.get("location")]).toEqual([302, "/login"]);
    expect(out.headers.getSetCookie()[0]).toMatch(/^wpd_session=; Max-Age=0/);
  });
});
