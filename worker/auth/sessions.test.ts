// Signing in and out: sessions, their expiry and revocation, login throttling, one-time links.
import { describe, expect, it } from "vitest";
import { LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS, SESSION_IDLE_SECONDS } from "../../contract/constants";
import { ADMIN, api, fetchWith, isolatedEnv, login, newSite, newUser, query } from "../../test/helpers";
import { hashPassword, needsRehash, SCRYPT, TEST_SCRYPT, verifyPassword } from "./password";

type ErrorBody = { error: { code: string; message: string } };
const me = (auth: Record<string, string>) => api("/auth/me", { headers: auth });
const code = async (res: Response) => ((await res.json()) as ErrorBody).error.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
// hashPassword("correct horse battery staple") under Node.
const KNOWN_HASH = "scrypt$14$8$5$WF9SuysX0PAArGzFSMVusA==$xbYDQwV1QtuAEhwRP85kT59nZiQD970zYR3J/wkdwQ0=";

describe("password hashes", () => {
  it("are scrypt with OWASP's parameters (N=2^14, r=8, p=5), salted, and verify only the right password", { timeout: 120_000 }, () => {
    // Two hashes at full cost (seconds each in the test pool); the rest with the test parameters.
    const a = hashPassword("correct horse battery staple");
    expect(a).toMatch(/^scrypt\$14\$8\$5\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(needsRehash(a)).toBe(false);
    // A hash made outside the Workers runtime (Node, `npm run user`) verifies here.
    expect(verifyPassword("correct horse battery staple", KNOWN_HASH)).toBe(true);

    const t = hashPassword("correct horse battery staple", TEST_SCRYPT);
    expect(hashPassword("correct horse battery staple", TEST_SCRYPT)).not.toBe(t);
    expect(verifyPassword("correct horse battery staple", t, TEST_SCRYPT)).toBe(true);
    expect(verifyPassword("correct horse battery stapler", t, TEST_SCRYPT)).toBe(false);
    expect(verifyPassword("anything", undefined, TEST_SCRYPT)).toBe(false);
    expect(verifyPassword("anything", "garbage", TEST_SCRYPT)).toBe(false);
    // A hash made with the test parameters is replaced at the next login of a deployment.
    expect(needsRehash(t, SCRYPT)).toBe(true);
  });
});

describe("POST /api/auth/login", () => {
  it("answers a new session for the right password, the same 401 for a wrong password and an unknown email, and records each", async () => {
    const site = await newSite();
    const user = await newUser({ sites: [{ siteId: site.siteId, role: "viewer" }] });
    const ip = { "x-client-ip": "203.0.113.9" };

    const wrong = await api("/auth/login", { method: "POST", headers: ip, json: { email: user.email, password: "not the password" } });
    const unknown = await api("/auth/login", { method: "POST", headers: ip, json: { email: `nobody-${user.email}`, password: "whatever it is" } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    const [w, u] = (await Promise.all([wrong.json(), unknown.json()])) as ErrorBody[];
    expect(w.error).toEqual(u.error);
    expect(w.error).toMatchObject({ code: "invalid_credentials", message: "Email or password is wrong." });

    const ok = await api("/auth/login", { method: "POST", headers: ip, json: { email: user.email.toUpperCase(), password: user.password } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const body = (await ok.json()) as { token: string; me: { user: { email: string; owner: boolean }; sites: { site_id: string; role: string; worker_detail: boolean }[] } };
    expect(body.token).toMatch(/^wpds_[A-Za-z0-9_-]{43}$/);
    expect(body.me.user).toMatchObject({ email: user.email, owner: false });
    expect(body.me.sites).toEqual([expect.objectContaining({ site_id: site.siteId, role: "viewer", worker_detail: false })]);

    const entries = await query<{ action: string; ip: string; details: { email: string; reason?: string } }>(
      "select action, ip, details from admin_audit_log where details->>'email' in ($1, $2) order by id",
      [user.email, `nobody-${user.email}`],
    );
    expect(entries.map((e) => [e.action, e.ip, e.details.reason])).toEqual([
      ["user_created", null, undefined],
      ["link_created", null, undefined],
      ["password_set", null, undefined],
      ["login", null, undefined],
      ["login_failed", "203.0.113.9", "wrong_password"],
      ["login_failed", "203.0.113.9", "unknown_email"],
      ["login", "203.0.113.9", undefined],
    ]);
  });

  it("starts a new session at every login: a token held before it is not the signed-in one", async () => {
    const user = await newUser();
    // A planted token (session fixation) is neither reused nor extended by a login that carries it.
    const planted = "wpds_plantedbyanattackerplantedbyanattacker0";
    const res = await api("/auth/login", { method: "POST", headers: bearer(planted), json: { email: user.email, password: user.password } });
    const { token } = (await res.json()) as { token: string };
    expect(token).not.toBe(planted);
    expect(token).not.toBe(user.token);
    expect((await me(bearer(planted))).status).toBe(401);
    // Both real sessions are live, each on its own.
    expect((await me(bearer(token))).status).toBe(200);
    expect((await me(user.auth)).status).toBe(200);
    const stored = await query<{ token_hash: string }>("select token_hash from sessions s join users u using (user_id) where u.email = $1", [user.email]);
    expect(stored).toHaveLength(2);
    // Only hashes are stored.
    expect(stored.map((s) => s.token_hash).join()).not.toContain(token);
  });

  it(`throttles after ${LOGIN_FAILURES_PER_ACCOUNT} failures for an account, even with the right password, and lets other accounts in`, async () => {
    const user = await newUser();
    const other = await newUser();
    for (let i = 0; i < LOGIN_FAILURES_PER_ACCOUNT; i++) {
      const res = await api("/auth/login", { method: "POST", headers: { "x-client-ip": `198.51.100.${i}` }, json: { email: user.email, password: `wrong ${i}` } });
      expect(res.status).toBe(401);
    }
    const right = await api("/auth/login", { method: "POST", json: { email: user.email, password: user.password } });
    expect(right.status).toBe(429);
    expect(await code(right)).toBe("too_many_attempts");
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api("/auth/login", { method: "POST", json: { email: other.email, password: other.password } })).status).toBe(200);
    // A throttled attempt is not recorded as one more failure (it would extend the lock forever).
    const failures = await query("select 1 from admin_audit_log where action = 'login_failed' and details->>'email' = $1", [user.email]);
    expect(failures).toHaveLength(LOGIN_FAILURES_PER_ACCOUNT);
  });

  it(`throttles a client address after ${LOGIN_FAILURES_PER_ADDRESS} failures across accounts, and no other address`, async () => {
    const user = await newUser();
    const address = `192.0.2.${Math.floor(Math.random() * 250)}`;
    // Earlier failures from the address, as the audit log holds them (the throttle's record).
    await query(
      `insert into admin_audit_log (actor, action, details, ip)
       select 'user:x', 'login_failed', jsonb_build_object('email', 'spray' || g || '@example.test', 'address', $1::text), $1
         from generate_series(1, $2::int) g`,
      [address, LOGIN_FAILURES_PER_ADDRESS],
    );
    const fromThere = await api("/auth/login", { method: "POST", headers: { "x-client-ip": address }, json: { email: user.email, password: user.password } });
    expect(fromThere.status).toBe(429);
    const elsewhere = await api("/auth/login", { method: "POST", headers: { "x-client-ip": "192.0.2.251" }, json: { email: user.email, password: user.password } });
    expect(elsewhere.status).toBe(200);
  });

  it("counts an IPv6 client by its /64, whichever address of it each attempt comes from", async () => {
    const user = await newUser();
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
    const tries = await Promise.all(
      Array.from({ length: LOGIN_FAILURES_PER_ADDRESS }, (_, i) =>
        api("/auth/login", {
          method: "POST",
          headers: { "x-client-ip": `${net}::${(i + 1).toString(16)}` },
          json: { email: `spray-${i}-${net.replace(/:/g, "-")}@example.test`, password: "guessing away" },
        }).then((r) => r.status),
      ),
    );
    expect(tries.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    const sameNet = await api("/auth/login", { method: "POST", headers: { "x-client-ip": `${net}::ffff` }, json: { email: user.email, password: user.password } });
    expect(sameNet.status).toBe(429);
    const otherNet = await api("/auth/login", { method: "POST", headers: { "x-client-ip": `${net.slice(0, -1)}8::1` }, json: { email: user.email, password: user.password } });
    expect(otherNet.status).toBe(200);
  });

  it("trusts CF-Connecting-IP over X-Client-IP (a client on the internet cannot set the former)", async () => {
    const user = await newUser();
    await api("/auth/login", {
      method: "POST",
      headers: { "cf-connecting-ip": "203.0.113.77", "x-client-ip": "10.9.9.9" },
      json: { email: user.email, password: "wrong password here" },
    });
    const [entry] = await query<{ ip: string }>("select ip from admin_audit_log where action = 'login_failed' and details->>'email' = $1", [user.email]);
    expect(entry.ip).toBe("203.0.113.77");
  });

  it("refuses a disabled user, whose sessions ended when they were disabled", async () => {
    const user = await newUser();
    const disable = await api(`/users/${user.id}`, { method: "PATCH", headers: ADMIN, json: { status: "disabled" } });
    expect(disable.status).toBe(200);
    expect((await me(user.auth)).status).toBe(401);
    const res = await api("/auth/login", { method: "POST", json: { email: user.email, password: user.password } });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe("account_disabled");
    // However a user comes to be disabled (here by hand in the database, sessions left alone), a
    // disabled user's sessions do not work.
    const other = await newUser();
    await query("update users set status = 'disabled' where user_id = $1", [other.id]);
    expect((await me(other.auth)).status).toBe(401);
    // Enabled again, the user signs in; the old session stays ended.
    await api(`/users/${user.id}`, { method: "PATCH", headers: ADMIN, json: { status: "active" } });
    expect(await login(user.email, user.password)).toMatch(/^wpds_/);
    expect((await me(user.auth)).status).toBe(401);
  });
});

describe("session lifetime", () => {
  it(`ends after ${SESSION_IDLE_SECONDS / 3600} h without use, and at its absolute expiry however busy`, async () => {
    const idle = await newUser();
    const busy = await newUser();
    await query("update sessions set last_seen_at = now() - make_interval(secs => $2 + 1) from users u where u.user_id = sessions.user_id and u.email = $1", [
      idle.email,
      SESSION_IDLE_SECONDS,
    ]);
    expect((await me(idle.auth)).status).toBe(401);
    await query("update sessions set expires_at = now() - interval '1 second' from users u where u.user_id = sessions.user_id and u.email = $1", [busy.email]);
    expect((await me(busy.auth)).status).toBe(401);
  });

  it("is extended by use: /auth/me tells when it would end", async () => {
    const user = await newUser();
    await query("update sessions set last_seen_at = now() - interval '2 hours' from users u where u.user_id = sessions.user_id and u.email = $1", [user.email]);
    const res = await me(user.auth);
    const body = (await res.json()) as { session: { idle_expires_at: string; expires_at: string } };
    const idleLeft = Date.parse(body.session.idle_expires_at) - Date.now();
    expect(idleLeft).toBeGreaterThan((SESSION_IDLE_SECONDS - 60) * 1000);
    expect(Date.parse(body.session.expires_at)).toBeGreaterThan(Date.parse(body.session.idle_expires_at));
  });

  it("logout ends this session only; logout everywhere ends them all, reads included", async () => {
    const site = await newSite();
    const user = await newUser({ sites: [{ siteId: site.siteId, role: "manager" }] });
    const second = bearer(await login(user.email, user.password));
    const third = bearer(await login(user.email, user.password));
    const read = (auth: Record<string, string>) =>
      api(`/metrics/cache/factory?site=${site.siteId}&start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z&populate=true`, { headers: auth });
    expect((await read(user.auth)).status).toBe(200);

    const out = await api("/auth/logout", { method: "POST", headers: user.auth });
    expect(await out.json()).toEqual({ revoked: 1 });
    expect((await read(user.auth)).status).toBe(401);
    expect((await read(second)).status).toBe(200);

    const everywhere = await api("/auth/logout-everywhere", { method: "POST", headers: second });
    expect(await everywhere.json()).toEqual({ revoked: 2 });
    expect((await read(second)).status).toBe(401);
    expect((await read(third)).status).toBe(401);
    expect((await api("/auth/logout", { method: "POST", headers: third })).status).toBe(401);
  });

  it("an owner can end every session of another user", async () => {
    const user = await newUser();
    const res = await api(`/users/${user.id}/logout-everywhere`, { method: "POST", headers: ADMIN });
    expect(await res.json()).toEqual({ revoked: 1 });
    expect((await me(user.auth)).status).toBe(401);
  });

  it("/auth/me needs a session: a read key or the admin token is told so", async () => {
    const site = await newSite();
    expect((await me({})).status).toBe(401);
    const withKey = await me(site.read);
    expect(withKey.status).toBe(403);
    expect(await code(withKey)).toBe("session_required");
    expect((await me(ADMIN)).status).toBe(403);
  });
});

describe("one-time links", () => {
  const invite_ = () => invite();
  async function invite() {
    const email = `link${Date.now()}${Math.random().toString(36).slice(2, 6)}@example.test`;
    const res = await api("/users", { method: "POST", headers: ADMIN, json: { email, name: "Link User" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    return { email, ...((await res.json()) as { user: { id: string; status: string }; link: { token: string; purpose: string; expires_at: string } }) };
  }

  it("an invite sets the password once; the link is then used up, and an invited user cannot sign in before", async () => {
    const { email, user, link } = await invite();
    expect(user.status).toBe("invited");
    expect(link.purpose).toBe("invite");
    expect((await api("/auth/login", { method: "POST", json: { email, password: "anything at all" } })).status).toBe(401);

    const info = await api(`/auth/links/${link.token}`);
    expect(await info.json()).toMatchObject({ purpose: "invite", email, name: "Link User" });
    const short = await api(`/auth/links/${link.token}`, { method: "POST", json: { password: "short" } });
    expect(short.status).toBe(400);
    const set = await api(`/auth/links/${link.token}`, { method: "POST", json: { password: "a long enough password" } });
    expect(await set.json()).toEqual({ email });
    expect(await login(email, "a long enough password")).toMatch(/^wpds_/);

    const again = await api(`/auth/links/${link.token}`, { method: "POST", json: { password: "another long password" } });
    expect(again.status).toBe(404);
    expect(await code(again)).toBe("link_invalid");
    expect((await api(`/auth/links/${link.token}`)).status).toBe(404);
  });

  it("a reset link ends every session, and only the newest link works", async () => {
    const user = await newUser();
    const first = (await (await api(`/users/${user.id}/reset-link`, { method: "POST", headers: ADMIN })).json()) as { token: string };
    const second = (await (await api(`/users/${user.id}/reset-link`, { method: "POST", headers: ADMIN })).json()) as { token: string; purpose: string };
    expect(second.purpose).toBe("reset");
    expect((await api(`/auth/links/${first.token}`, { method: "POST", json: { password: "a brand new password" } })).status).toBe(404);
    expect((await api(`/auth/links/${second.token}`, { method: "POST", json: { password: "a brand new password" } })).status).toBe(200);
    expect((await me(user.auth)).status).toBe(401);
    expect((await api("/auth/login", { method: "POST", json: { email: user.email, password: user.password } })).status).toBe(401);
    expect(await login(user.email, "a brand new password")).toMatch(/^wpds_/);
  });

  it("a new link of any purpose ends the earlier one, and disabling a user ends their links", async () => {
    const { user, link: invite } = await invite_();
    const reset = (await (await api(`/users/${user.id}/reset-link`, { method: "POST", headers: ADMIN })).json()) as { token: string };
    expect((await api(`/auth/links/${invite.token}`)).status).toBe(404);
    expect((await api(`/auth/links/${reset.token}`)).status).toBe(200);
    await api(`/users/${user.id}`, { method: "PATCH", headers: ADMIN, json: { status: "disabled" } });
    await api(`/users/${user.id}`, { method: "PATCH", headers: ADMIN, json: { status: "active" } });
    expect((await api(`/auth/links/${reset.token}`)).status).toBe(404);
  });

  it("an expired link is refused", async () => {
    const { user, link } = await invite();
    await query("update auth_links set expires_at = now() - interval '1 second' where user_id = $1", [user.id]);
    const res = await api(`/auth/links/${link.token}`, { method: "POST", json: { password: "a long enough password" } });
    expect(res.status).toBe(404);
  });
});

describe("users and roles", () => {
  it("an owner cannot disable or demote the last active owner", async () => {
    // On the run's isolated database, where no other test makes owners.
    const env = isolatedEnv();
    const email = `lone-owner-${Date.now()}@example.test`;
    const created = await fetchWith(env, "/users", { method: "POST", headers: ADMIN, json: { email, name: "Lone Owner", owner: true } });
    const { user, link } = (await created.json()) as { user: { id: string }; link: { token: string } };
    await fetchWith(env, `/auth/links/${link.token}`, { method: "POST", json: { password: "the lone owner's password" } });
    await query("update users set owner = false where user_id <> $1", [user.id], env);
    const signedIn = await fetchWith(env, "/auth/login", { method: "POST", json: { email, password: "the lone owner's password" } });
    const auth = bearer(((await signedIn.json()) as { token: string }).token);

    const res = await fetchWith(env, `/users/${user.id}`, { method: "PATCH", headers: auth, json: { status: "disabled" } });
    expect(res.status).toBe(409);
    expect(await code(res)).toBe("last_owner");
    expect((await fetchWith(env, `/users/${user.id}`, { method: "PATCH", headers: auth, json: { owner: false } })).status).toBe(409);
    expect((await fetchWith(env, `/users/${user.id}`, { method: "PATCH", headers: auth, json: { name: "Still Owner" } })).status).toBe(200);
  });

  it("grants, changes and takes away a site role, and /auth/me follows at once", async () => {
    const [a, b] = [await newSite(), await newSite()];
    const user = await newUser({ sites: [{ siteId: a.siteId, role: "viewer" }] });
    const sites = async () => ((await (await me(user.auth)).json()) as { sites: { site_id: string; role: string; worker_detail: boolean }[] }).sites;
    expect((await sites()).map((s) => s.site_id)).toEqual([a.siteId]);
    await api(`/users/${user.id}/sites/${b.siteId}`, { method: "PUT", headers: ADMIN, json: { role: "manager" } });
    await api(`/users/${user.id}/sites/${a.siteId}`, { method: "PUT", headers: ADMIN, json: { role: "viewer", worker_detail: true } });
    expect(new Set((await sites()).map((s) => `${s.site_id}:${s.role}:${s.worker_detail}`))).toEqual(
      new Set([`${a.siteId}:viewer:true`, `${b.siteId}:manager:true`]),
    );
    await api(`/users/${user.id}/sites/${b.siteId}`, { method: "DELETE", headers: ADMIN });
    expect((await sites()).map((s) => s.site_id)).toEqual([a.siteId]);
    const unknownSite = await api(`/users/${user.id}/sites/no-such-site`, { method: "PUT", headers: ADMIN, json: { role: "viewer" } });
    expect(unknownSite.status).toBe(404);
    const duplicate = await api("/users", { method: "POST", headers: ADMIN, json: { email: user.email.toUpperCase(), name: "Again" } });
    expect(duplicate.status).toBe(409);
  });
});
