// @vitest-environment node
// Accounts, roles and per-site access on the dashboard's side, against the real API
// (app/test/api-setup.ts): who is sent to the sign-in page, who gets 401, 403 or 404, that every
// form is refused without its CSRF token or from another origin, that signing in always makes a
// new session cookie, and the owners' pages (invite, grant, reset, disable, read keys, audit).
import { beforeAll, describe, expect, it } from "vitest";
import { loader as rootLoader } from "../root";
import { applyPendingHeaders } from "../lib/response-headers.server";
import { sessionCookie } from "../lib/session.server";
import {
  apiBinding,
  apiToken,
  apiUrl,
  cookieOf,
  cookiePair,
  csrfPair,
  env,
  loadContext,
  loaderArgs as args,
  loaderFailure,
  loaderRedirect,
  ORIGIN,
  sessionCookieHeader,
  sessionSecret,
  siteId,
  users,
  type RequestExtras,
} from "../test/loader-harness";
import { loader as orgLoader } from "./_index";
import { loader as auditLoader } from "./admin.audit";
import { action as usersAction, loader as usersLoader } from "./admin.users";
import { action as linkAction, loader as linkLoader } from "./links.$token";
import { action as loginAction, loader as loginLoader } from "./login";
import { action as logoutAction } from "./logout";
import { loader as siteLoader } from "./sites.$site._index";
import { loader as exportLoader } from "./sites.$site.export.$table";
import { loader as workerLoader } from "./sites.$site.workers.$id";
import { loader as stationLoader } from "./sites.$site.workstations.$id";

const site = `/sites/${siteId}`;
const params = { site: siteId };
// A site the manager and the viewer have no grant for.
const siteB = `b${Date.now().toString(36)}`;

async function admin(path: string, init: RequestInit = {}) {
  const res = await fetch(new URL(`/api${path}`, apiUrl), {
    ...init,
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Whether the API still accepts a session token. */
const apiStatusOf = async (token: string) =>
  (await fetch(new URL("/api/auth/me", apiUrl), { headers: { authorization: `Bearer ${token}` } })).status;

/** A fresh session straight from the API (not the harness's shared one, which other files use). */
async function freshToken(email: string, password: string): Promise<string> {
  const res = await fetch(new URL("/api/auth/login", apiUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** An action's arguments: a POSTed form with the page's CSRF token, unless told otherwise. */
async function post(path: string, form: Record<string, string>, opts: { cookie?: string; csrf?: string | null; headers?: Record<string, string>; params?: Record<string, string> } = {}) {
  const pair = await csrfPair();
  const cookie = [pair.cookie, opts.cookie].filter(Boolean).join("; ");
  const extras: RequestExtras = {
    cookie,
    headers: opts.headers,
    form: opts.csrf === null ? form : { csrf: opts.csrf ?? pair.token, ...form },
  };
  return args(path, env, opts.params ?? {}, extras);
}

/** What an action returned with `data()`: its body and status. */
const returned = <T>(r: unknown) => r as { data: T; init: { status: number } | null };

/** `next` values the URL parser resolves to a path starting with `//`, i.e. another host. */
const offSite = ["/.//evil.example", "/%2e//evil.example", "/%2E%2E//evil.example", "/a/..//evil.example", "/.//evil.example/x?y=1", "/./\\evil.example", "/a/..\\/evil.example"];

/** The session token in a Set-Cookie, read as the dashboard reads it. */
async function tokenInSetCookie(setCookie: string | null): Promise<string | null> {
  expect(setCookie).toBeTruthy();
  return sessionCookie(new Request(ORIGIN), env).parse(cookiePair(setCookie!));
}

beforeAll(async () => {
  await admin("/sites", { method: "POST", body: JSON.stringify({ site_id: siteB, name: "Plant B", time_zone: "UTC" }) });
});

describe("signed out", () => {
  it("a page sends the browser to the sign-in page, with the way back", async () => {
    const r = await loaderRedirect(siteLoader(args(`${site}?window=7d`, env, params)));
    expect(r).toMatchObject({ status: 302, location: `/login?next=${encodeURIComponent(`${site}?window=7d`)}` });
    expect((await loaderRedirect(orgLoader(args("/", env))))?.location).toBe("/login");
    // A client navigation's data request: Remix's own parameters are not part of the way back.
    const nav = await loaderRedirect(workerLoader(args(`${site}/workers/W1?window=7d&_routes=root`, env, { ...params, id: "W1" })));
    expect(nav?.location).toBe(`/login?next=${encodeURIComponent(`${site}/workers/W1?window=7d`)}`);
  });

  it("a cookie that is forged, signed with another secret, or holds a session the API does not know counts as none", async () => {
    for (const cookie of [
      "wpd_session=wpds_forged",
      await sessionCookieHeader(await freshToken(users.manager.email, users.manager.password), "another-secret"),
      await sessionCookieHeader("wpds_no-such-session"),
    ]) {
      expect((await loaderRedirect(siteLoader(args(site, env, params, { cookie }))))?.location, cookie).toBe(`/login?next=${encodeURIComponent(site)}`);
    }
  });

  it("a forged CSRF cookie is replaced, not an error", async () => {
    const context = loadContext(env);
    const d = await rootLoader({ request: new Request(`${ORIGIN}/login`, { headers: { Cookie: "wpd_csrf=forged; wpd_session=forged.too" } }), params: {}, context });
    expect(d.csrf).toHaveLength(43);
    const headers = new Headers();
    applyPendingHeaders(context, headers);
    expect(headers.getSetCookie()).toEqual([expect.stringMatching(/^wpd_csrf=/)]);
  });

  it("a cookie signed with an older secret still in SESSION_SECRET's list is accepted (rotation)", async () => {
    const cookie = await sessionCookieHeader(await freshToken(users.viewer.email, users.viewer.password), "old-secret");
    const d = await orgLoader(args("/", { ...env, SESSION_SECRET: `${sessionSecret}, old-secret` }, {}, { cookie }));
    expect(d.sites.map((s) => s.id)).toEqual([siteId]);
  });

  it("without Cloudflare Access on the API, an Access header alone does not sign anyone in", async () => {
    const r = await loaderRedirect(siteLoader(args(site, env, params, { headers: { "Cf-Access-Jwt-Assertion": "eyJhbGciOi.not.valid" } })));
    expect(r?.location).toBe(`/login?next=${encodeURIComponent(site)}`);
  });

  it("behind Cloudflare Access, the assertion is exchanged for a session whose cookie goes out with the page", async () => {
    // A stand-in API: Access itself is the API's to verify (its own tests sign tokens for it).
    const me = {
      user: { id: "u-sso", email: "sso@app.test", name: "Sam SSO", owner: false },
      sites: [{ site_id: "sso-site", name: "SSO plant", time_zone: "UTC", role: "viewer", worker_detail: false }],
      session: { expires_at: "2099-01-01T00:00:00.000Z", idle_expires_at: "2099-01-01T00:00:00.000Z" },
    };
    const asked: { path: string; body: string }[] = [];
    const standIn = {
      SESSION_SECRET: sessionSecret,
      API: {
        fetch: async (url: string, init?: RequestInit) => {
          const path = new URL(url).pathname;
          asked.push({ path, body: String(init?.body ?? "") });
          const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
          if (path === "/api/auth/access") {
            const { assertion } = JSON.parse(String(init?.body)) as { assertion: string };
            if (assertion === "unknown-person") return json({ error: { code: "no_such_user", message: "No active user has the email x.", details: [] } }, 403);
            return json({ token: "wpds_from-access", me });
          }
          if (path === "/api/metrics/cache/factory") return json({ error: { code: "database_unavailable", message: "down", details: [] } }, 503);
          return json({ error: { code: "not_found", message: path, details: [] } }, 404);
        },
      },
    };
    const context = loadContext(standIn);
    const request = new Request(`${ORIGIN}/`, { headers: { "Cf-Access-Jwt-Assertion": "a.signed.jwt" } });
    const d = await orgLoader({ request, params: {}, context });
    expect(d.sites.map((s) => s.id)).toEqual(["sso-site"]);
    expect(asked[0]).toEqual({ path: "/api/auth/access", body: JSON.stringify({ assertion: "a.signed.jwt" }) });
    const headers = new Headers();
    applyPendingHeaders(context, headers);
    const [set] = headers.getSetCookie();
    expect(await tokenInSetCookie(set)).toBe("wpds_from-access");
    // An Access identity without an account here: an error page that says so, not a sign-in loop.
    const stranger = new Request(`${ORIGIN}/`, { headers: { "Cf-Access-Jwt-Assertion": "unknown-person" } });
    expect(await loaderFailure(orgLoader({ request: stranger, params: {}, context: loadContext(standIn) }))).toEqual({ status: 403, code: "no_such_user" });
  });

  it("a CSV export answers 401 in plain text", async () => {
    const res = (await exportLoader(args(`${site}/export/workers?window=7d`, env, { ...params, table: "workers" }))) as Response;
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).toMatch(/^Sign in/);
  });

  it("without SESSION_SECRET every page explains it rather than running unsigned", async () => {
    expect(await loaderFailure(rootLoader(args("/login", { API_BASE: apiUrl })))).toEqual({ status: 500, code: "session_secret_missing" });
    expect(await loaderFailure(siteLoader(args(site, { API_BASE: apiUrl }, params)))).toEqual({ status: 500, code: "session_secret_missing" });
  });
});

describe("what each role may open", () => {
  it("a viewer without worker detail sees the site without its per-worker table", async () => {
    const d = await siteLoader(args(`${site}?window=yesterday`, env, params, { cookie: await cookieOf("viewer") }));
    expect(d.site).toMatchObject({ id: siteId, role: "viewer", workerDetail: false });
    expect(d.workers).toBeNull();
    expect(d.factory.metrics.events).toBeGreaterThan(0);
    expect(d.workstations.length).toBeGreaterThan(0);
  });

  it("a viewer without worker detail gets 403 for a worker's page and the per-worker exports", async () => {
    const cookie = await cookieOf("viewer");
    expect(await loaderFailure(workerLoader(args(`${site}/workers/W1`, env, { ...params, id: "W1" }, { cookie })))).toEqual({
      status: 403,
      code: "worker_detail_forbidden",
    });
    for (const table of ["workers", "worker-intervals", "worker-confidence"]) {
      const res = (await exportLoader(args(`${site}/export/${table}?id=W1`, env, { ...params, table }, { cookie }))) as Response;
      expect(res.status, table).toBe(403);
      expect(await res.text()).toContain("worker_detail_forbidden · 403");
    }
    // The factory and the workstations are theirs to export.
    const stations = (await exportLoader(args(`${site}/export/workstations?window=yesterday`, env, { ...params, table: "workstations" }, { cookie }))) as Response;
    expect(stations.status).toBe(200);
  });

  it("a viewer's workstation page names no worker", async () => {
    const cookie = await cookieOf("viewer");
    const d = await stationLoader(args(`${site}/workstations/S1?window=yesterday`, env, { ...params, id: "S1" }, { cookie }));
    expect(d.site.workerDetail).toBe(false);
    const named = await stationLoader(args(`${site}/workstations/S1?window=yesterday`, env, { ...params, id: "S1" }, { cookie: await cookieOf("manager") }));
    const realIds = new Set(named.timeline.intervals.map((i) => i.worker_id));
    expect(realIds.size).toBeGreaterThan(0);
    expect(d.timeline.intervals.length).toBe(named.timeline.intervals.length);
    for (const i of d.timeline.intervals) expect(realIds.has(i.worker_id)).toBe(false);
  });

  it("a manager of one site gets 404 for another, on pages and exports alike", async () => {
    const cookie = await cookieOf("manager");
    const other = { site: siteB };
    expect(await loaderFailure(siteLoader(args(`/sites/${siteB}`, env, other, { cookie })))).toEqual({ status: 404, code: "site_not_found" });
    expect(await loaderFailure(workerLoader(args(`/sites/${siteB}/workers/W1`, env, { ...other, id: "W1" }, { cookie })))).toEqual({
      status: 404,
      code: "site_not_found",
    });
    const res = (await exportLoader(args(`/sites/${siteB}/export/hourly`, env, { ...other, table: "hourly" }, { cookie }))) as Response;
    expect(res.status).toBe(404);
    // An unknown site reads the same: nothing tells which sites exist.
    const unknown = (await exportLoader(args(`/sites/nowhere/export/hourly`, env, { site: "nowhere", table: "hourly" }, { cookie }))) as Response;
    expect((await unknown.text()).replace("nowhere", siteB)).toBe(await res.text());
    // The overview lists only the manager's site; an owner's lists B too.
    expect((await orgLoader(args("/", env, {}, { cookie }))).sites.map((s) => s.id)).toEqual([siteId]);
    expect((await orgLoader(args("/", env, {}, { cookie: await cookieOf("owner") }))).sites.map((s) => s.id)).toContain(siteB);
  });

  it("only owners open the administration pages", async () => {
    for (const who of ["manager", "viewer"] as const) {
      const cookie = await cookieOf(who);
      expect(await loaderFailure(usersLoader(args("/admin/users", env, {}, { cookie })))).toEqual({ status: 403, code: "owner_only" });
      expect(await loaderFailure(auditLoader(args("/admin/audit", env, {}, { cookie })))).toEqual({ status: 403, code: "owner_only" });
    }
    const refused = await loaderFailure(usersAction(await post("/admin/users", { intent: "create-user", email: "x@app.test", name: "X" }, { cookie: await cookieOf("manager") })));
    expect(refused).toEqual({ status: 403, code: "owner_only" });
  });
});

describe("CSRF", () => {
  it("the root loader hands out a token and sets its cookie once", async () => {
    const context = loadContext(env);
    const first = await rootLoader({ request: new Request(`${ORIGIN}/login`), params: {}, context });
    expect(first.user).toBeNull();
    const headers = new Headers();
    applyPendingHeaders(context, headers);
    const set = headers.getSetCookie().find((c) => c.startsWith("wpd_csrf="));
    expect(set).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    // The browser sends it back: the same token, no new cookie.
    const context2 = loadContext(env);
    const again = await rootLoader({ request: new Request(`${ORIGIN}/`, { headers: { Cookie: cookiePair(set!) } }), params: {}, context: context2 });
    expect(again.csrf).toBe(first.csrf);
    const headers2 = new Headers();
    applyPendingHeaders(context2, headers2);
    expect(headers2.getSetCookie()).toEqual([]);
  });

  it("refuses a form whose token is missing or differs, or that comes from another origin", async () => {
    const creds = { email: users.manager.email, password: users.manager.password };
    expect(await loaderFailure(loginAction(await post("/login", creds, { csrf: "another-token-of-at-least-32-characters-000000" })))).toEqual({
      status: 403,
      code: "csrf_failed",
    });
    expect(await loaderFailure(loginAction(await post("/login", creds, { csrf: null })))).toEqual({ status: 403, code: "csrf_failed" });
    // The right token, sent from elsewhere.
    expect(await loaderFailure(loginAction(await post("/login", creds, { headers: { Origin: "https://evil.example" } })))).toEqual({
      status: 403,
      code: "csrf_failed",
    });
    // A token without its cookie.
    const noCookie = args("/login", env, {}, { form: { csrf: (await csrfPair()).token, ...creds } });
    expect(await loaderFailure(loginAction(noCookie))).toEqual({ status: 403, code: "csrf_failed" });
    // The owners' forms and signing out alike.
    const owner = await cookieOf("owner");
    expect(await loaderFailure(usersAction(await post("/admin/users", { intent: "create-user", email: "csrf@app.test", name: "C" }, { cookie: owner, csrf: "x".repeat(40) })))).toEqual({
      status: 403,
      code: "csrf_failed",
    });
    const token = await freshToken(users.manager.email, users.manager.password);
    const res = (await logoutAction(await post("/logout", {}, { cookie: await sessionCookieHeader(token), csrf: "y".repeat(40) }))) as Response;
    expect(res.status).toBe(403);
    expect(await apiStatusOf(token)).toBe(200);
  });

  it("accepts a form from its own origin with the matching token", async () => {
    const r = await loaderRedirect(loginAction(await post("/login", { email: users.viewer.email, password: users.viewer.password }, { headers: { Origin: ORIGIN } })));
    expect(r?.location).toBe("/");
  });
});

describe("a POST whose body is not a form", () => {
  // Sent with the right CSRF cookie, from the dashboard's own origin, signed in where it matters:
  // the body is the only thing wrong with them.
  const bodies: [string, string | null, string | null][] = [
    ["JSON", "application/json", JSON.stringify({ csrf: "a-csrf-token-of-at-least-32-characters-0123456789", email: users.viewer.email })],
    ["plain text", "text/plain", `csrf=a-csrf-token-of-at-least-32-characters-0123456789&email=${users.viewer.email}`],
    ["a broken multipart body", "multipart/form-data; boundary=xyz", "this is not multipart"],
    ["no body", null, null],
  ];

  async function nonForm(path: string, type: string | null, body: string | null, opts: { cookie?: string; params?: Record<string, string> } = {}) {
    const pair = await csrfPair();
    const headers = new Headers({ Cookie: [pair.cookie, opts.cookie].filter(Boolean).join("; "), Origin: ORIGIN });
    if (type) headers.set("Content-Type", type);
    return { request: new Request(`${ORIGIN}${path}`, { method: "POST", headers, body }), params: opts.params ?? {}, context: loadContext(env) };
  }

  /** What a page's action threw: a 400 saying what it takes, not a 500. */
  async function refusal(p: Promise<unknown>) {
    const err = (await p.then(() => undefined, (e: unknown) => e)) as { data: { code: string; message: string }; init: { status: number } } | undefined;
    expect(err?.init?.status).toBe(400);
    return err!.data;
  }

  it.each(bodies)("%s: the sign-in, link and owners' actions answer 400", async (_, type, body) => {
    const owner = await cookieOf("owner");
    const cases: [string, () => Promise<unknown>][] = [
      ["login", async () => loginAction(await nonForm("/login", type, body))],
      ["link", async () => linkAction(await nonForm("/links/some-token", type, body, { params: { token: "some-token" } }))],
      ["users", async () => usersAction(await nonForm("/admin/users", type, body, { cookie: owner }))],
    ];
    for (const [name, act] of cases) {
      const d = await refusal(act());
      expect(d.code, name).toBe("not_a_form");
      expect(d.message, name).toMatch(/^This address only takes the dashboard's own forms \(application\/x-www-form-urlencoded or multipart\/form-data\)/);
    }
  });

  it.each(bodies)("%s: signing out answers 400 in plain text and ends nothing", async (_, type, body) => {
    const token = await freshToken(users.viewer.email, users.viewer.password);
    const res = (await logoutAction(await nonForm("/logout", type, body, { cookie: await sessionCookieHeader(token) }))) as Response;
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toMatch(/^This address only takes the dashboard's own forms/);
    expect(await apiStatusOf(token)).toBe(200);
  });
});

describe("signing in and out", () => {
  it("a new session cookie replaces one planted beforehand (no session fixation)", async () => {
    const planted = await sessionCookieHeader("wpds_planted-by-someone-else");
    const r = await loaderRedirect(
      loginAction(await post("/login", { email: users.manager.email, password: users.manager.password, next: `${site}?window=7d` }, { cookie: planted })),
    );
    expect(r?.location).toBe(`${site}?window=7d`);
    const setCookie = r!.headers.get("Set-Cookie");
    expect(setCookie).toMatch(/^wpd_session=/);
    expect(setCookie).toMatch(/; Max-Age=604800; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookiePair(setCookie!)).not.toBe(planted);
    const token = await tokenInSetCookie(setCookie);
    expect(token).toMatch(/^wpds_/);
    expect(token).not.toBe("wpds_planted-by-someone-else");
    // The new cookie works; a second sign-in makes yet another session.
    const d = await orgLoader(args("/", env, {}, { cookie: cookiePair(setCookie!) }));
    expect(d.sites.map((s) => s.id)).toEqual([siteId]);
    const again = await loaderRedirect(loginAction(await post("/login", { email: users.manager.email, password: users.manager.password })));
    expect(await tokenInSetCookie(again!.headers.get("Set-Cookie"))).not.toBe(token);
  });

  it("says so when the email or the password is wrong", async () => {
    for (const form of [
      { email: users.viewer.email, password: "not the password at all" },
      { email: "nobody@app.test", password: "not the password at all" },
      { email: "not an email", password: "whatever it is" },
    ]) {
      const r = returned<{ error: string }>(await loginAction(await post("/login", form)));
      expect(r.data.error).toBe("Email or password is wrong.");
      expect(r.init?.status).toBeGreaterThanOrEqual(400);
    }
    const empty = returned<{ error: string }>(await loginAction(await post("/login", { email: "", password: "" })));
    expect(empty.data.error).toBe("Enter your email and your password.");
  });

  it("after too many failures says how many minutes to wait", async () => {
    const { email } = users.throttled;
    let last: { data: { error: string }; init: { status: number } | null } | undefined;
    for (let i = 0; i < 6; i++) last = returned(await loginAction(await post("/login", { email, password: `wrong password number ${i}` })));
    expect(last!.init?.status).toBe(429);
    expect(last!.data.error).toMatch(/^Too many failed sign-ins\. Try again in (1[0-5]|[1-9]) minutes?\.$/);
    // The right password too, while the account is throttled.
    const right = returned<{ error: string }>(await loginAction(await post("/login", users.throttled)));
    expect(right.init?.status).toBe(429);
  });

  it("goes on to `next` only when it is a path on this dashboard", async () => {
    const go = async (next: string) =>
      (await loaderRedirect(loginAction(await post("/login", { email: users.viewer.email, password: users.viewer.password, next }))))?.location;
    expect(await go(`${site}/models?window=7d`)).toBe(`${site}/models?window=7d`);
    for (const bad of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/login", ""]) {
      expect(await go(bad), bad).toBe("/");
    }
    // Paths that pass a look at the raw string but that the URL parser normalises into `//host`
    // (dot segments, encoded dots, a backslash turned slash): a protocol-relative way off-site.
    for (const bad of offSite) expect(await go(bad), bad).toBe("/");
    // A dot segment that stays on the dashboard is still fine.
    expect(await go(`/a/..${site}`)).toBe(site);
  });

  it("the sign-in page sends someone already signed in only to a path on this dashboard", async () => {
    const cookie = await cookieOf("viewer");
    for (const bad of offSite) {
      const r = await loaderRedirect(loginLoader(args(`/login?next=${encodeURIComponent(bad)}`, env, {}, { cookie })));
      expect(r?.location, bad).toBe("/");
    }
  });

  it("the sign-in page sends someone signed in on, and shows the form to anyone else", async () => {
    const r = await loaderRedirect(loginLoader(args(`/login?next=${encodeURIComponent(`${site}/models`)}`, env, {}, { cookie: await cookieOf("viewer") })));
    expect(r?.location).toBe(`${site}/models`);
    const d = await loginLoader(args("/login?next=%2Fsites%2Fdemo", env));
    expect(d).toEqual({ next: "/sites/demo", email: "" });
  });

  it("logging out ends the session at the API and removes the cookie", async () => {
    const token = await freshToken(users.viewer.email, users.viewer.password);
    const other = await freshToken(users.viewer.email, users.viewer.password);
    const r = await loaderRedirect(logoutAction(await post("/logout", {}, { cookie: await sessionCookieHeader(token) })));
    expect(r?.location).toBe("/login");
    expect(r!.headers.get("Set-Cookie")).toMatch(/^wpd_session=; Max-Age=0;/);
    expect(await apiStatusOf(token)).toBe(401);
    // Only this session: the other device stays signed in.
    expect(await apiStatusOf(other)).toBe(200);
  });
});

describe("owners' administration", () => {
  const stamp = Date.now().toString(36);
  const email = `new-${stamp}@app.test`;
  const password = "a brand new password 42";
  let owner = "";
  let userId = "";
  let invite = "";

  beforeAll(async () => {
    owner = await cookieOf("owner");
  });

  const act = async (form: Record<string, string>) =>
    returned<{ ok: boolean; message: string; secret?: { value: string } }>(await usersAction(await post("/admin/users", form, { cookie: owner })));

  it("lists users with their status and grants, and each site's read keys", async () => {
    const d = await usersLoader(args("/admin/users", env, {}, { cookie: owner }));
    const byEmail = Object.fromEntries(d.users.map((u) => [u.email, u]));
    expect(byEmail[users.owner.email]).toMatchObject({ owner: true, status: "active" });
    expect(byEmail[users.manager.email].sites).toEqual([{ site_id: siteId, role: "manager", worker_detail: true }]);
    expect(byEmail[users.viewer.email].sites).toEqual([{ site_id: siteId, role: "viewer", worker_detail: false }]);
    expect(d.keys.map((k) => k.siteId)).toEqual(expect.arrayContaining([siteId, siteB]));
  });

  it("adds a user and shows the invitation link once; the link sets the password", async () => {
    const created = await act({ intent: "create-user", email, name: "Nina New" });
    expect(created.data.ok).toBe(true);
    expect(created.data.secret?.value).toMatch(new RegExp(`^${ORIGIN}/links/[^/]+$`));
    invite = created.data.secret!.value.slice(`${ORIGIN}/links/`.length);
    const listed = (await usersLoader(args("/admin/users", env, {}, { cookie: owner }))).users.find((u) => u.email === email)!;
    expect(listed).toMatchObject({ status: "invited", sites: [] });
    userId = listed.id;
    // The same email twice: said next to the form.
    const twice = await act({ intent: "create-user", email, name: "Nina Again" });
    expect([twice.data.ok, twice.init?.status]).toEqual([false, 409]);

    const link = await linkLoader(args(`/links/${invite}`, env, { token: invite }));
    expect(returned<{ link: { email: string; purpose: string } }>(link).data.link).toMatchObject({ email, purpose: "invite" });
    const setPw = (form: Record<string, string>) => post(`/links/${invite}`, form, { params: { token: invite } });
    expect(returned<{ error: string }>(await linkAction(await setPw({ password: "short", repeat: "short" }))).data.error).toMatch(/at least 12 characters/);
    expect(returned<{ error: string }>(await linkAction(await setPw({ password, repeat: `${password}!` }))).data.error).toMatch(/differ/);
    const elsewhere = await post(`/links/${invite}`, { password, repeat: password }, { params: { token: invite }, headers: { Origin: "https://evil.example" } });
    expect(await loaderFailure(linkAction(elsewhere))).toEqual({ status: 403, code: "csrf_failed" });
    const done = returned<{ done: { email: string } }>(await linkAction(await setPw({ password, repeat: password })));
    expect(done.data.done).toEqual({ email });
    // Used up.
    const used = returned<{ link: null }>(await linkLoader(args(`/links/${invite}`, env, { token: invite })));
    expect([used.data.link, used.init?.status]).toEqual([null, 404]);
  });

  it("grants a site, and the new user sees exactly that", async () => {
    const granted = await act({ intent: "grant", user_id: userId, site_id: siteB, role: "viewer", worker_detail: "on" });
    expect(granted.data).toMatchObject({ ok: true });
    const r = await loaderRedirect(loginAction(await post("/login", { email, password })));
    const cookie = cookiePair(r!.headers.get("Set-Cookie")!);
    const d = await orgLoader(args("/", env, {}, { cookie }));
    expect(d.sites.map((s) => [s.id, s.role, s.workerDetail])).toEqual([[siteB, "viewer", true]]);
    expect(await loaderFailure(siteLoader(args(site, env, params, { cookie })))).toEqual({ status: 404, code: "site_not_found" });
    // Revoked: the site is gone from the next page view.
    expect((await act({ intent: "revoke-grant", user_id: userId, site_id: siteB })).data.ok).toBe(true);
    expect((await orgLoader(args("/", env, {}, { cookie }))).sites).toEqual([]);
  });

  it("logging out everywhere ends every session of the user", async () => {
    const a = await freshToken(email, password);
    const b = await freshToken(email, password);
    const r = await loaderRedirect(logoutAction(await post("/logout", { everywhere: "1" }, { cookie: await sessionCookieHeader(a) })));
    expect(r?.location).toBe("/login");
    expect([await apiStatusOf(a), await apiStatusOf(b)]).toEqual([401, 401]);
    // And an owner can do it for them.
    const c = await freshToken(email, password);
    expect((await act({ intent: "logout-everywhere", user_id: userId })).data).toMatchObject({ ok: true, message: "1 session(s) ended." });
    expect(await apiStatusOf(c)).toBe(401);
  });

  it("a reset link sets a new password; a disabled user cannot sign in", async () => {
    const reset = await act({ intent: "reset-link", user_id: userId });
    const token = reset.data.secret!.value.slice(`${ORIGIN}/links/`.length);
    const info = returned<{ link: { purpose: string } }>(await linkLoader(args(`/links/${token}`, env, { token })));
    expect(info.data.link.purpose).toBe("reset");
    const newPassword = "the reset password 9876";
    await linkAction(await post(`/links/${token}`, { password: newPassword, repeat: newPassword }, { params: { token } }));
    expect((await loaderRedirect(loginAction(await post("/login", { email, password: newPassword }))))?.location).toBe("/");

    expect((await act({ intent: "set-status", user_id: userId, status: "disabled" })).data.ok).toBe(true);
    const refused = returned<{ error: string }>(await loginAction(await post("/login", { email, password: newPassword })));
    expect([refused.init?.status, refused.data.error]).toEqual([403, "This account is disabled: ask an owner to enable it."]);
    expect((await act({ intent: "set-status", user_id: userId, status: "active" })).data.ok).toBe(true);
  });

  it("creates a read key (shown once) that reads its site, and revokes it", async () => {
    const created = await act({ intent: "create-key", site_id: siteId, name: `BI ${stamp}` });
    const key = created.data.secret!.value;
    expect(key).toMatch(/^wpdr_/);
    const span = new URLSearchParams({ site: siteId, start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date().toISOString() });
    const read = () => fetch(new URL(`/api/metrics/factory?${span}`, apiUrl), { headers: { authorization: `Bearer ${key}` } });
    expect((await read()).status).toBe(200);
    const listed = (await usersLoader(args("/admin/users", env, {}, { cookie: owner }))).keys.find((k) => k.siteId === siteId)!.keys.find((k) => k.name === `BI ${stamp}`)!;
    expect(listed).toMatchObject({ worker_detail: false, revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect((await act({ intent: "revoke-key", site_id: siteId, key_id: listed.id })).data.ok).toBe(true);
    expect((await read()).status).toBe(401);
  });

  it("the audit log shows who did what, when and from where, and pages back", async () => {
    // An export made through the dashboard is on record with its file name. Its data call carries
    // the user's session, the file name and the browser's address and user agent.
    const cookie = await cookieOf("manager");
    const sent: Headers[] = [];
    const recording = {
      ...env,
      API: { fetch: (url: string, init?: RequestInit) => (sent.push(new Headers(init?.headers)), apiBinding.fetch(url, init)) },
    };
    const browser = { "CF-Connecting-IP": "203.0.113.9", "User-Agent": "TestBrowser/1.0" };
    const res = (await exportLoader(
      args(`${site}/export/hourly?window=yesterday`, recording, { ...params, table: "hourly" }, { cookie, headers: browser }),
    )) as Response;
    const file = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")![1];
    const dataCall = sent.find((h) => h.has("x-export"))!;
    expect(dataCall.get("x-export")).toBe(file);
    expect(dataCall.get("authorization")).toMatch(/^Bearer wpds_/);
    expect([dataCall.get("x-client-ip"), dataCall.get("x-client-user-agent")]).toEqual(["203.0.113.9", "TestBrowser/1.0"]);
    // Every call of the request speaks for the browser; only the data call names the file.
    expect(sent.every((h) => h.get("x-client-ip") === "203.0.113.9")).toBe(true);
    expect(sent.filter((h) => h.has("x-export"))).toHaveLength(1);
    // The API records exports after answering.
    let exported;
    for (let i = 0; i < 20 && !exported; i++) {
      const d = await auditLoader(args("/admin/audit?action=export", env, {}, { cookie: owner }));
      exported = d.entries.find((e) => e.details.file === file);
      if (!exported) await new Promise((r) => setTimeout(r, 100));
    }
    // (Its address: the API prefers CF-Connecting-IP, which wrangler dev sets on the test's own hop.)
    expect(exported).toMatchObject({ actor: `user:${users.manager.email}`, action: "export", site_id: siteId, ip: expect.any(String) });

    const all = await auditLoader(args("/admin/audit", env, {}, { cookie: owner }));
    expect(all.entries.length).toBeGreaterThan(0);
    expect(all.entries.map((e) => e.action)).toEqual(expect.arrayContaining(["login", "user_created", "site_granted"]));
    const ids = all.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const older = await auditLoader(args(`/admin/audit?before=${ids[2]}`, env, {}, { cookie: owner }));
    expect(older.filter.before).toBe(ids[2]);
    expect(older.entries[0].id).toBe(ids[3]);
  });
});
