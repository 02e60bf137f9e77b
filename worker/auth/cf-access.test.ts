// Single sign-on through Cloudflare Access, against a stand-in team that publishes its keys over
// HTTP as Access does (test/access-keys-server.ts); tokens are signed here with its private key.
import { env } from "cloudflare:workers";
import { importJWK, SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import { ADMIN, fetchWith, newUser, query, testEnv } from "../../test/helpers";

const t = env as unknown as { TEST_ACCESS_TEAM_URL: string; TEST_ACCESS_PRIVATE_JWK: string; TEST_ACCESS_FORGED_JWK: string };
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const withAccess = { ...testEnv, CF_ACCESS_TEAM_DOMAIN: t.TEST_ACCESS_TEAM_URL, CF_ACCESS_AUD: AUD };

async function assertion(claims: JWTPayload, opts: { jwk?: string; issuer?: string; audience?: string; expires?: string | number } = {}) {
  const key = await importJWK(JSON.parse(opts.jwk ?? t.TEST_ACCESS_PRIVATE_JWK), "RS256");
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "test-key-1" })
    .setIssuer(opts.issuer ?? t.TEST_ACCESS_TEAM_URL)
    .setAudience(opts.audience ?? AUD)
    .setIssuedAt()
    .setExpirationTime(opts.expires ?? "5m")
    .sign(key);
}

const signIn = (bindings: typeof testEnv, token: string) => fetchWith(bindings, "/auth/access", { method: "POST", json: { assertion: token } });
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe("POST /api/auth/access", () => {
  it("signs in the user the verified token names, with a session like a password login's", async () => {
    const user = await newUser();
    const res = await signIn(withAccess, await assertion({ email: user.email.toUpperCase(), sub: "idp-user-1" }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; me: { user: { email: string } } };
    expect(body.token).toMatch(/^wpds_/);
    expect(body.me.user.email).toBe(user.email);
    const me = await fetchWith(withAccess, "/auth/me", { headers: { authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(200);
  });

  it("signs in a user added without a password (invited), who is active from then on", async () => {
    const email = `sso-${Date.now()}@example.test`;
    const created = await fetchWith(withAccess, "/users", { method: "POST", headers: ADMIN, json: { email, name: "SSO Only" } });
    expect(((await created.json()) as { user: { status: string } }).user.status).toBe("invited");
    const res = await signIn(withAccess, await assertion({ email }));
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    expect((await fetchWith(withAccess, "/auth/me", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("refuses a token with another audience, another issuer, a past expiry, or a signature the team did not make", async () => {
    const user = await newUser();
    const claims = { email: user.email };
    const cases = {
      audience: await assertion(claims, { audience: "another-application" }),
      issuer: await assertion(claims, { issuer: "https://another-team.cloudflareaccess.com" }),
      expired: await assertion(claims, { expires: Math.floor(Date.now() / 1000) - 60 }),
      forged: await assertion(claims, { jwk: t.TEST_ACCESS_FORGED_JWK }),
      "not a JWT": "not.a.jwt",
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await signIn(withAccess, token);
      expect([name, res.status]).toEqual([name, 401]);
      expect(await codeOf(res), name).toBe("invalid_assertion");
    }
    // Each on record as a failed login.
    const entries = await query("select 1 from admin_audit_log where action = 'login_failed' and details->>'reason' = 'invalid_assertion' and at > now() - interval '1 minute'");
    expect(entries.length).toBeGreaterThanOrEqual(Object.keys(cases).length);
  });

  it("refuses a verified email that is no active user's, and a service token without one", async () => {
    const unknown = await signIn(withAccess, await assertion({ email: "stranger@example.test" }));
    expect(unknown.status).toBe(403);
    expect(await codeOf(unknown)).toBe("no_such_user");

    const user = await newUser();
    await fetchWith(withAccess, `/users/${user.id}`, { method: "PATCH", headers: ADMIN, json: { status: "disabled" } });
    expect((await signIn(withAccess, await assertion({ email: user.email }))).status).toBe(403);

    const service = await signIn(withAccess, await assertion({ common_name: "ci-bot.access" }));
    expect(service.status).toBe(401);
  });

  it("is off without CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD, and a deployment with only one of them is misconfigured", async () => {
    const off = await signIn(testEnv, await assertion({ email: "someone@example.test" }));
    expect(off.status).toBe(404);
    expect(await codeOf(off)).toBe("sso_not_configured");
    const half = await fetchWith({ ...testEnv, CF_ACCESS_AUD: AUD }, "/health");
    expect(half.status).toBe(500);
    expect(await half.text()).toContain("CF_ACCESS_TEAM_DOMAIN");
  });
});
