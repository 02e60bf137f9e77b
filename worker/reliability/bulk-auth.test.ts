import { describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, query } from "../../test/helpers";

type ErrorBody = { error: { code: string } };

const stored = async (siteId: string) =>
  Number((await query<{ n: string }>("select count(*) as n from events where site_id = $1", [siteId]))[0].n);
const bulk = (authorization: string, json: unknown[]) => api("/events/bulk", { method: "POST", headers: { authorization }, json });
const batch = (n: number, extra: Record<string, string> = {}) =>
  Array.from({ length: n }, (_, i) => event({ timestamp: new Date(Date.UTC(2026, 2, 2, 8, i)).toISOString(), ...extra }));

describe("bulk ingest with a key that is no longer, or never was, the site's", () => {
  it("a rotated-out or revoked key stores none of a batch", async () => {
    const site = await newSite();
    const rotated = (await (await api(`/sites/${site.siteId}/rotate-key`, { method: "POST", headers: ADMIN })).json()) as { site_key: string };
    const old = await bulk(`Bearer ${site.key}`, batch(50));
    expect(old.status).toBe(401);
    expect(((await old.json()) as ErrorBody).error.code).toBe("unauthorized");
    expect((await bulk(`Bearer ${rotated.site_key}`, batch(50))).status).toBe(200);

    // There is no revoke endpoint yet; an operator revokes a key in the database.
    await query("update sites set revoked_at = now() where site_id = $1", [site.siteId]);
    expect((await bulk(`Bearer ${rotated.site_key}`, batch(60))).status).toBe(401);
    expect(await stored(site.siteId)).toBe(50);
  });

  it("another site's key cannot write into a site, even for part of a batch", async () => {
    const a = await newSite();
    const b = await newSite();
    const mixed = [...batch(20), ...batch(20, { site_id: b.siteId })];
    const res = await bulk(`Bearer ${a.key}`, mixed);
    expect(res.status).toBe(403);
    expect(((await res.json()) as ErrorBody).error.code).toBe("site_mismatch");
    // Without a site_id the key decides: the batch lands in the key's site, never in another.
    expect((await bulk(`Bearer ${a.key}`, batch(20))).status).toBe(200);
    expect([await stored(a.siteId), await stored(b.siteId)]).toEqual([20, 0]);
  });
});
