import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, event, fetchWith, newSite, query, testEnv } from "../../test/helpers";
import type { Bindings } from "../env";

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };

// The simulator's limiter (vitest.config.ts): 3 requests a minute per key, so a test reaches 429
// in a few requests; the configured one (wrangler.toml) is far too generous for that.
const tight = { ...testEnv, INGEST_RATE_LIMIT: (env as unknown as { TEST_TIGHT_RATE_LIMIT: RateLimit }).TEST_TIGHT_RATE_LIMIT };

const stored = async (siteId: string) =>
  Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 8, minute)).toISOString();

describe("per-site ingest rate limit", () => {
  it("answers 429 with Retry-After once a site is over its limit, stores nothing then, and leaves other sites alone", async () => {
    const site = await newSite();
    const other = await newSite();
    const send = (bindings: Bindings, s: typeof site, i: number) =>
      i % 2
        ? fetchWith(bindings, "/events/bulk", { method: "POST", headers: s.auth, json: [event({ timestamp: at(i) }), event({ timestamp: at(i), event_type: "product_count", count: 1 })] })
        : fetchWith(bindings, "/events", { method: "POST", headers: s.auth, json: event({ timestamp: at(i) }) });

    // The limiter counts in fixed windows: seven requests in under a minute cross at most one
    // window boundary, so at least four of them share a window and the fourth of those is refused.
    const statuses: number[] = [];
    let accepted = 0;
    for (let i = 0; i < 7; i++) {
      const res = await send(tight, site, i);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "rate_limited", details: [] });
      } else {
        expect([200, 201]).toContain(res.status);
        accepted += i % 2 ? 2 : 1;
      }
    }
    expect(statuses.slice(0, 3)).toEqual([201, 200, 201]);
    expect(statuses).toContain(429);
    expect(await stored(site.siteId)).toBe(accepted);

    // Another site's budget is its own.
    expect((await send(tight, other, 0)).status).toBe(201);
  });

  it("is configured for the worker, and a config or a limiter that fails does not stop ingestion", async () => {
    expect(testEnv.INGEST_RATE_LIMIT).toBeDefined();
    const site = await newSite();
    const { INGEST_RATE_LIMIT: _, ...withoutLimiter } = testEnv;
    expect((await fetchWith(withoutLimiter, "/events", { method: "POST", headers: site.auth, json: event() })).status).toBe(201);
    const broken = { limit: async () => { throw new Error("limiter unavailable"); } } as RateLimit;
    const res = await fetchWith({ ...testEnv, INGEST_RATE_LIMIT: broken }, "/events", { method: "POST", headers: site.auth, json: event({ timestamp: at(1) }) });
    expect(res.status).toBe(201);
    expect(await stored(site.siteId)).toBe(2);
  });
});

describe("bad keys per client address", () => {
  // 3 failed key checks a minute per address (vitest.config.ts), so a test reaches 429 quickly.
  const tight = { ...testEnv, AUTH_FAILURE_RATE_LIMIT: (env as unknown as { TEST_TIGHT_AUTH_FAILURE_LIMIT: RateLimit }).TEST_TIGHT_AUTH_FAILURE_LIMIT };
  // Nothing listens there: a request that reaches for the database gets 503.
  const noDatabase = { ...tight, DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:9/nowhere" };
  const madeUpKey = () => `wpd_${crypto.randomUUID().replaceAll("-", "")}`;
  const madeUpReadKey = () => `wpdr_${crypto.randomUUID().replaceAll("-", "")}`;
  const from = (address: string, key: string) => ({ authorization: `Bearer ${key}`, "cf-connecting-ip": address });
  const ingestFrom = (bindings: Bindings, address: string, key: string, i = 0) =>
    fetchWith(bindings, "/events", { method: "POST", headers: from(address, key), json: event({ timestamp: at(i) }) });
  const readFrom = (bindings: Bindings, address: string, key: string) =>
    fetchWith(bindings, "/metrics/factory?start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z", { headers: from(address, key) });

  /** Sends a made-up key until the address is refused: 401s, then only 429s. */
  async function hammer(send: () => Promise<Response>) {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await send();
      statuses.push(res.status);
      if (res.status === 429) {
        const retryAfter = Number(res.headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "too_many_bad_keys", details: [] });
      } else {
        expect(((await res.json()) as ErrorBody).error.code).toBe("unauthorized");
      }
    }
    // Fixed windows: seven requests in under a minute cross at most one window boundary, so four
    // failures share a window by the seventh; once refused, the address stays refused.
    const refused = statuses.indexOf(429);
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(statuses).toEqual([...Array(refused).fill(401), ...Array(7 - refused).fill(429)]);
  }

  it("ingest: a made-up key from one address gets 401s, then 429 without the database; good keys still work", async () => {
    const site = await newSite();
    const key = madeUpKey();
    await hammer(() => ingestFrom(tight, "198.51.100.7", key));

    // Refused from memory: with no database at all the answer is still 429 (other keys too) ...
    for (const k of [key, madeUpKey()]) {
      const res = await ingestFrom(noDatabase, "198.51.100.7", k);
      expect(res.status).toBe(429);
      expect(((await res.json()) as ErrorBody).error.code).toBe("too_many_bad_keys");
    }
    // ... and the key that just failed is refused from memory elsewhere too (401, no database),
    const elsewhere = await ingestFrom(noDatabase, "198.51.100.8", key);
    expect(elsewhere.status).toBe(401);
    expect(((await elsewhere.json()) as ErrorBody).error.code).toBe("unauthorized");
    // while a key never seen does reach for the database there.
    expect((await ingestFrom(noDatabase, "198.51.100.9", madeUpKey())).status).toBe(503);

    // A good key from another address is stored as usual; once it has worked, it passes from the
    // refused address too (a camera sharing its address with a misconfigured one).
    expect((await ingestFrom(tight, "198.51.100.10", site.key, 1)).status).toBe(201);
    expect((await ingestFrom(tight, "198.51.100.7", site.key, 2)).status).toBe(201);
    // A key not yet seen to work waits out the refusal like any other.
    const fresh = await newSite();
    expect((await ingestFrom(tight, "198.51.100.7", fresh.key)).status).toBe(429);
    expect([await stored(site.siteId), await stored(fresh.siteId)]).toEqual([2, 0]);
  });

  it("read-key reads: the same, per address (an IPv6 client by its /64), and the admin token is never throttled", async () => {
    const site = await newSite();
    const readKey = site.read.authorization.replace(/^Bearer /, "");
    const key = madeUpReadKey();
    await hammer(() => readFrom(tight, "2001:db8:7:1::1", key));
    expect((await readFrom(noDatabase, "2001:db8:7:1::1", key)).status).toBe(429);
    expect((await readFrom(noDatabase, "2001:0db8:0007:0001:ffff::9", madeUpReadKey())).status).toBe(429);
    expect((await readFrom(noDatabase, "2001:db8:7:2::1", key)).status).toBe(401);

    expect((await readFrom(tight, "2001:db8:7:3::1", readKey)).status).toBe(200);
    const adminRead = await fetchWith(tight, `/metrics/factory?start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z&site=${site.siteId}`, {
      headers: { ...ADMIN, "cf-connecting-ip": "2001:db8:7:1::1" },
    });
    expect(adminRead.status).toBe(200);
  });

  it("is configured for the worker; without the binding, or with one that fails, bad keys only get 401", async () => {
    expect(testEnv.AUTH_FAILURE_RATE_LIMIT).toBeDefined();
    const { AUTH_FAILURE_RATE_LIMIT: _, ...withoutLimiter } = testEnv;
    const broken = { limit: async () => { throw new Error("limiter unavailable"); } } as RateLimit;
    for (const [bindings, address] of [[withoutLimiter, "192.0.2.20"], [{ ...testEnv, AUTH_FAILURE_RATE_LIMIT: broken }, "192.0.2.21"]] as const) {
      const key = madeUpKey();
      for (let i = 0; i < 6; i++) expect((await ingestFrom(bindings, address, key)).status).toBe(401);
    }
  });
});
