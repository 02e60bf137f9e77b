// An ingest request's key is hashed once (requireSiteKey): the bad-key throttle, the rate limit, the
// unknown-key check and the write all use that hash.
import { afterEach, describe, expect, it, vi } from "vitest";
import { event, fetchWith, newSite, testEnv } from "../../test/helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the ingest key's hash", () => {
  it("is computed once per request, stored or refused", async () => {
    const site = await newSite();
    const digest = vi.spyOn(crypto.subtle, "digest");
    // Events with their own id: no event id is derived (that is a hash too).
    const stored = await fetchWith(testEnv, "/events", { method: "POST", headers: site.auth, json: event({ event_id: "key-hash-1" }) });
    expect(stored.status).toBe(201);
    expect(digest).toHaveBeenCalledTimes(1);

    // Refused by validation, then checked against the database for the unknown-key answer.
    digest.mockClear();
    const invalid = await fetchWith(testEnv, "/events", { method: "POST", headers: site.auth, json: { ...event({ event_id: "key-hash-2" }), confidence: 2 } });
    expect(invalid.status).toBe(400);
    expect(digest).toHaveBeenCalledTimes(1);
  });
});
