// Single sign-on through Cloudflare Access: Access puts a signed JWT in the
// Cf-Access-Jwt-Assertion header of every request it lets through. It is verified here with jose
// (signature against the team's published keys, audience, issuer, expiry) and its email is the
// user's. Docs: developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";

export type AccessConfig = { teamDomain: string; aud: string };

/**
 * The team's URL (the JWT's issuer): `CF_ACCESS_TEAM_DOMAIN` as Cloudflare shows it
 * (`myteam.cloudflareaccess.com`) or as a URL (`https://myteam.cloudflareaccess.com`; a local
 * http:// URL in tests).
 */
export function teamUrl(teamDomain: string): string {
  const withScheme = /^https?:\/\//.test(teamDomain) ? teamDomain : `https://${teamDomain}`;
  return withScheme.replace(/\/+$/, "");
}

// The keys as plain data, per team, for ten minutes: Access rotates them every six weeks and
// publishes the next one early. Plain JSON is safe to keep across requests (a fetch is not).
const KEYS_TTL_MS = 10 * 60_000;
// A token naming an unknown key fetches the keys again, but not more than once in this long: a
// stream of tokens with made-up key ids must not turn into a stream of fetches.
const REFRESH_AFTER_MS = 30_000;
const keyCache = new Map<string, { keys: JSONWebKeySet; until: number; fetchedAt: number }>();

async function teamKeys(url: string, refresh: boolean): Promise<JSONWebKeySet> {
  const hit = keyCache.get(url);
  if (hit && hit.until > Date.now() && (!refresh || Date.now() - hit.fetchedAt < REFRESH_AFTER_MS)) return hit.keys;
  const res = await fetch(`${url}/cdn-cgi/access/certs`, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`Cloudflare Access keys: HTTP ${res.status}`);
  const keys = (await res.json()) as JSONWebKeySet;
  if (!Array.isArray(keys?.keys)) throw new Error("Cloudflare Access keys: no `keys` in the answer");
  keyCache.set(url, { keys, until: Date.now() + KEYS_TTL_MS, fetchedAt: Date.now() });
  return keys;
}

export class InvalidAssertion extends Error {}

/** The verified email of an Access JWT; throws InvalidAssertion when it does not verify. */
export async function verifyAccessJwt(assertion: string, cfg: AccessConfig): Promise<string> {
  const issuer = teamUrl(cfg.teamDomain);
  const verify = async (refresh: boolean) =>
    jwtVerify(assertion, createLocalJWKSet(await teamKeys(issuer, refresh)), { audience: cfg.aud, issuer, algorithms: ["RS256"] });
  let payload;
  try {
    payload = (await verify(false)).payload;
  } catch (err) {
    // A key published since the cache was filled: fetch once more before refusing.
    if ((err as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw new InvalidAssertion(String((err as Error).message ?? err));
    try {
      payload = (await verify(true)).payload;
    } catch (again) {
      throw new InvalidAssertion(String((again as Error).message ?? again));
    }
  }
  const email = typeof payload.email === "string" ? payload.email.trim().toLowerCase() : "";
  if (!email) throw new InvalidAssertion("the token carries no email (a service token is not a user)");
  return email;
}
