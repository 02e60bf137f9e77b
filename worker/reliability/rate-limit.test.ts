import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { event, fetchWith, newSite, query, testEnv } from "../../test/helpers";
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
