import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { invalidKey } from "../ingest/ingest-events";
import { ApiError } from "./errors";

/**
 * Refuses repeated bad site keys before the database.
 *
 * Every failed key check (a key the database did not know, or one this isolate saw fail moments
 * ago) counts against the client's address in Cloudflare's rate limiting binding
 * AUTH_FAILURE_RATE_LIMIT (20 per 60 s, `limit()` is called only when a key fails). Once the
 * binding says the address is over, this isolate remembers it for a period, and until then a
 * request from that address with a key not known to be good is answered 429 `too_many_bad_keys`
 * with no database call and no further call to the binding. Keys that worked recently in this
 * isolate pass (a camera with a good key behind the same address as a misconfigured one keeps
 * working); they are still checked by the database as usual, so a revocation applies at once.
 * Without the binding, or when it fails, nothing is blocked.
 *
 * All memory here is per isolate, bounded and expiring: it saves database work, it never grants
 * anything.
 */

// The binding answers only yes or no, not when its window ends; this must match `simple.period` of
// AUTH_FAILURE_RATE_LIMIT in wrangler.toml: an address is refused for that long once it is over
// (worker/config/wrangler-toml.test.ts checks it).
export const AUTH_FAILURE_PERIOD_SECONDS = 60;
// A key that failed is refused from memory for this long (a new key is never one that failed: keys
// are random, and creation or rotation in this isolate forgets the hash anyway).
const FAILED_KEY_TTL_MS = 60_000;
// A key that worked skips the address block for this long (the database still checks it).
const GOOD_KEY_TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;
/** The bucket of requests without CF-Connecting-IP (local runs, service bindings). */
export const NO_CLIENT_ADDRESS = "no-client-address";

/** Keys with an expiry, at most `maxSize` of them: when full, the oldest entry goes. */
class ExpiringSet {
  private readonly until = new Map<string, number>();
  constructor(private readonly maxSize: number) {}

  /** The expiry of a live entry (a lapsed one is dropped). */
  expiry(key: string, now: number): number | undefined {
    const until = this.until.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.until.delete(key);
      return undefined;
    }
    return until;
  }

  add(key: string, until: number): void {
    this.until.delete(key); // re-inserted last: eviction order follows the latest addition
    this.until.set(key, until);
    if (this.until.size > this.maxSize) this.until.delete(this.until.keys().next().value!);
  }

  delete(key: string): void {
    this.until.delete(key);
  }
}

const blockedAddresses = new ExpiringSet(MAX_ENTRIES);
const goodKeys = new ExpiringSet(MAX_ENTRIES);
const failedKeys = new ExpiringSet(MAX_ENTRIES);

/**
 * The client's address as sent: CF-Connecting-IP, which Cloudflare sets on every request from the
 * internet (a client cannot forge it there); without it (a call from the dashboard through the
 * service binding, local runs), X-Client-IP, where the dashboard forwards its visitor's address.
 */
export function clientIp(c: Context<AppEnv>): string | undefined {
  const ip = (c.req.header("cf-connecting-ip") ?? c.req.header("x-client-ip"))?.trim();
  return ip && ip.length <= 64 ? ip : undefined;
}

/**
 * The client's address from clientIp() (set by Cloudflare on every request from the
 * internet); an IPv6 address counts as its /64, which one client usually holds whole.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const ip = clientIp(c)?.toLowerCase();
  if (!ip) return NO_CLIENT_ADDRESS;
  if (ip.includes(".")) return ip.slice(ip.lastIndexOf(":") + 1); // IPv4, or IPv4-mapped IPv6
  const [head, tail] = ip.split("::", 2);
  const groups = head ? head.split(":") : [];
  if (tail !== undefined && groups.length < 4) {
    const rest = tail ? tail.split(":") : [];
    groups.push(...Array(Math.max(0, 8 - groups.length - rest.length)).fill("0"), ...rest);
  }
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

const tooManyBadKeys = (until: number, now: number) => {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new ApiError(
    429,
    "too_many_bad_keys",
    `Too many requests with invalid keys from this address. Retry after ${seconds} seconds with a valid key.`,
    [],
    { "Retry-After": String(seconds) },
  );
};

/** Counts a failed key check for the client's address; the 429 to answer once it is over the limit. */
async function countFailure(c: Context<AppEnv>): Promise<ApiError | undefined> {
  const limiter = c.env.AUTH_FAILURE_RATE_LIMIT;
  if (!limiter) return undefined;
  const address = clientAddress(c);
  let allowed = true;
  try {
    ({ success: allowed } = await limiter.limit({ key: address }));
  } catch (err) {
    // A limiter outage must not turn bad keys into anything but the 401 they get anyway.
    console.error(JSON.stringify({ level: "warn", msg: "auth failure limiter failed", request_id: c.get("requestId"), error: String(err) }));
  }
  if (allowed) return undefined;
  const now = Date.now();
  const until = now + AUTH_FAILURE_PERIOD_SECONDS * 1000;
  blockedAddresses.add(address, until);
  return tooManyBadKeys(until, now);
}

/**
 * Before the key is looked up: throws 429 when the client's address is over the limit and the key
 * is not known to be good, or `unauthorized()` (429 once over the limit) for a key that failed
 * moments ago. Neither touches the database.
 */
export async function screenKey(c: Context<AppEnv>, keyHash: string, unauthorized: () => ApiError): Promise<void> {
  const now = Date.now();
  if (goodKeys.expiry(keyHash, now) !== undefined) return;
  const blockedUntil = blockedAddresses.expiry(clientAddress(c), now);
  if (blockedUntil !== undefined) throw tooManyBadKeys(blockedUntil, now);
  if (failedKeys.expiry(keyHash, now) !== undefined) throw (await countFailure(c)) ?? unauthorized();
}

/** The database refused the key: remembered, and counted for the address; the 429 to answer once it is over. */
export async function keyRefused(c: Context<AppEnv>, keyHash: string): Promise<ApiError | undefined> {
  goodKeys.delete(keyHash);
  failedKeys.add(keyHash, Date.now() + FAILED_KEY_TTL_MS);
  return countFailure(c);
}

/** The database accepted the key. */
export function keyAccepted(keyHash: string): void {
  failedKeys.delete(keyHash);
  goodKeys.add(keyHash, Date.now() + GOOD_KEY_TTL_MS);
}

/** A key hash an admin just issued: not a failed one any more in this isolate. */
export function forgetFailedKey(keyHash: string): void {
  failedKeys.delete(keyHash);
}

/**
 * For ingest, after requireSiteKey: ingest checks the key inside its write (or, for a request it
 * refuses anyway, in unknownKeyFirst), so the outcome is read from the response: 401 is a failed
 * key, a success a good one.
 */
export const throttleBadIngestKeys = createMiddleware<AppEnv>(async (c, next) => {
  const keyHash = c.get("siteKeyHash");
  await screenKey(c, keyHash, invalidKey);
  await next();
  if (c.res.status === 401) {
    const over = await keyRefused(c, keyHash);
    if (over) throw over;
  } else if (c.res.status < 300) {
    keyAccepted(keyHash);
  }
});
