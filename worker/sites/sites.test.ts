import { describe, expect, it } from "vitest";
import { connect } from "../../db/client";
import { SITE_DATA_TABLES } from "../../db/sites";
import type { Site } from "../../contract/sites";
import { ADMIN, api, event, newSite, query, testEnv } from "../../test/helpers";

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type AuditEntry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  site_id: string;
  request_id: string;
  details: Record<string, unknown>;
  ip: string | null;
};

const WINDOW = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
const TABLES = [...SITE_DATA_TABLES, "sites"] as const;

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;
const post = (path: string, headers: Record<string, string>, json?: unknown) => api(path, { method: "POST", headers, json });
const ingest = (auth: Record<string, string>, json = event()) => post("/events", auth, json);
const read = (auth: Record<string, string>) => api(`/metrics/factory?${WINDOW}`, { headers: auth });
/** Refused as what it is: a credential that is not an owner's session or the admin token. */
async function expectOwnerOnly(res: Response) {
  expect(res.status).toBe(403);
  expect((await errorOf(res)).code).toBe("owner_only");
}
const admin = (method: string, path: string, json?: unknown) => api(path, { method, headers: ADMIN, json });

async function auditOf(siteId: string): Promise<AuditEntry[]> {
  const res = await api(`/sites/${siteId}/audit`, { headers: ADMIN });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { site_id: string; entries: AuditEntry[] };
  expect(body.site_id).toBe(siteId);
  return body.entries;
}

/** Rows of the site in every table that holds site rows. */
async function rowsOf(siteId: string): Promise<Record<string, number>> {
  const [row] = await query<Record<string, string>>(
    `select ${TABLES.map((t) => `(select count(*) from ${t} where site_id = $1) as ${t}`).join(", ")}`,
    [siteId],
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

async function listed(siteId: string) {
  const res = await api("/sites", { headers: ADMIN });
  const { sites } = (await res.json()) as { sites: Site[] };
  return sites.find((s) => s.site_id === siteId);
}

describe("POST /api/sites/:siteId/revoke", () => {
  it("refuses the key at once for ingest and reads, is recorded, and rotate-key lifts it with a new key", async () => {
    const site = await newSite();
    expect((await ingest(site.auth)).status).toBe(201);
    expect((await read(site.read)).status).toBe(200);
    // A live ingest key is known, and only ingests.
    const ingestRead = await read(site.auth);
    expect(ingestRead.status).toBe(403);
    expect((await errorOf(ingestRead)).code).toBe("ingest_key_cannot_read");

    const res = await admin("POST", `/sites/${site.siteId}/revoke`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { site_id: string; revoked_at: string; already_revoked: boolean };
    expect(body).toEqual({ site_id: site.siteId, revoked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), already_revoked: false });
    const [stored] = await query<{ revoked_at: Date }>("select revoked_at from sites where site_id = $1", [site.siteId]);
    expect(new Date(stored.revoked_at).toISOString()).toBe(body.revoked_at);

    for (const res of [await ingest(site.auth, event({ timestamp: "2026-03-02T08:01:00Z" })), await post("/events/bulk", site.auth, [event({ timestamp: "2026-03-02T08:02:00Z" })]), await read(site.auth)]) {
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe("unauthorized");
    }
    expect((await rowsOf(site.siteId)).events).toBe(1);
    expect(await listed(site.siteId)).toMatchObject({ revoked: true });

    // Again: the first revocation time stays.
    const again = await admin("POST", `/sites/${site.siteId}/revoke`);
    expect(await again.json()).toEqual({ ...body, already_revoked: true });

    const missing = await admin("POST", "/sites/no-such-site/revoke");
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("site_not_found");
    // An owner or the admin token only: the site's own keys cannot revoke (or do anything here).
    await expectOwnerOnly(await post(`/sites/${site.siteId}/revoke`, site.auth));
    await expectOwnerOnly(await post(`/sites/${site.siteId}/revoke`, site.read));

    const rotated = await admin("POST", `/sites/${site.siteId}/rotate-key`);
    const { site_key } = (await rotated.json()) as { site_key: string };
    const fresh = { authorization: `Bearer ${site_key}` };
    expect((await ingest(fresh, event({ timestamp: "2026-03-02T08:03:00Z" }))).status).toBe(201);
    // The new key is live (known: 403, not 401), and like any ingest key it only ingests.
    const freshRead = await read(fresh);
    expect(freshRead.status).toBe(403);
    expect((await errorOf(freshRead)).code).toBe("ingest_key_cannot_read");
    expect((await ingest(site.auth, event({ timestamp: "2026-03-02T08:04:00Z" }))).status).toBe(401);
    expect(await listed(site.siteId)).toMatchObject({ revoked: false });

    const entries = await auditOf(site.siteId);
    expect(entries.map((e) => [e.action, e.details])).toEqual([
      ["key_rotated", { was_revoked: true }],
      ["key_revoked", { already_revoked: true }],
      ["key_revoked", { already_revoked: false }],
      ["read_key_created", { key_id: expect.any(String), name: "tests", worker_detail: true }],
      ["site_created", { name: `Test ${site.siteId}`, time_zone: "UTC", max_state_seconds: 600, history_start: "2020-01-01T00:00:00.000Z" }],
    ]);
    expect(entries.every((e) => e.actor === "admin-token" && e.site_id === site.siteId)).toBe(true);
    expect(entries[2].request_id).toBe(res.headers.get("x-request-id"));
    expect(entries[0].request_id).toBe(rotated.headers.get("x-request-id"));
  });
});

describe("DELETE /api/sites/:siteId", () => {
  /** Rows in every table for the site: through the API where it writes them, directly otherwise. */
  async function populate(site: Awaited<ReturnType<typeof newSite>>) {
    const batch = [
      event({ timestamp: "2026-03-02T08:00:00Z" }),
      event({ timestamp: "2026-03-02T08:10:00Z", event_type: "product_count", count: 4 }),
      event({ timestamp: "2026-03-02T08:20:00Z", worker_id: "W2", workstation_id: "S2", event_type: "idle" }),
    ];
    expect((await post("/events/bulk", site.auth, batch)).status).toBe(200);
    // A user's role on the site (newSite made a read key already).
    const user = await post("/users", ADMIN, { email: `del-${site.siteId}@example.test`, name: "Deletion test", owner: false });
    expect(user.status).toBe(201);
    const { user: { id: userId } } = (await user.json()) as { user: { id: string } };
    expect((await api(`/users/${userId}/sites/${site.siteId}`, { method: "PUT", headers: ADMIN, json: { role: "viewer", worker_detail: false } })).status).toBe(200);
    // Late: records recompute requests.
    expect((await ingest(site.auth, event({ timestamp: "2026-03-02T08:05:00Z" }))).status).toBe(201);
    await query(
      `insert into metrics_cache (site_id, entity_type, entity_id, window_start, window_end, metrics)
         values ($1, 'factory', $1, '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z', '{}');
       insert into worker_hour_rollups (site_id, worker_id, hour, working_seconds) values ($1, 'W1', '2026-03-02T08:00:00Z', 600);
       insert into workstation_hour_rollups (site_id, workstation_id, hour, person_working_seconds) values ($1, 'S1', '2026-03-02T08:00:00Z', 600);
       insert into rollup_state (site_id, built_until) values ($1, '2026-03-02T09:00:00Z');`.replace(/\$1/g, `'${site.siteId}'`),
    );
  }

  it("deletes the site and every row of it, answers the counts, records them, and leaves other sites alone", async () => {
    const site = await newSite();
    const other = await newSite();
    await populate(site);
    await populate(other);
    const before = await rowsOf(site.siteId);
    // The fixture covers every table, so a table the deletion missed would show.
    for (const t of TABLES) expect(before[t], t).toBeGreaterThan(0);
    expect(before).toMatchObject({ events: 4, workers: 2, workstations: 2, sites: 1 });
    const otherBefore = await rowsOf(other.siteId);

    const res = await admin("DELETE", `/sites/${site.siteId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ site_id: site.siteId, deleted: before });
    expect(Object.values(await rowsOf(site.siteId)).every((n) => n === 0)).toBe(true);
    expect(await rowsOf(other.siteId)).toEqual(otherBefore);

    // The keys are gone with the site; the admin no longer finds it.
    const late = await ingest(site.auth, event({ timestamp: "2026-03-02T09:00:00Z" }));
    expect(late.status).toBe(401);
    expect((await read(site.auth)).status).toBe(401);
    expect((await read(site.read)).status).toBe(401);
    const adminRead = await api(`/metrics/factory?${WINDOW}&site=${site.siteId}`, { headers: ADMIN });
    expect(adminRead.status).toBe(404);
    expect(await listed(site.siteId)).toBeUndefined();
    expect((await rowsOf(site.siteId)).events).toBe(0);

    const again = await admin("DELETE", `/sites/${site.siteId}`);
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe("site_not_found");
    for (const key of [site.auth, other.auth, other.read]) await expectOwnerOnly(await api(`/sites/${other.siteId}`, { method: "DELETE", headers: key }));
    expect(await listed(other.siteId)).toBeDefined();

    // The record outlives the site.
    const entries = await auditOf(site.siteId);
    expect(entries.map((e) => e.action)).toEqual(["site_deleted", "site_granted", "read_key_created", "site_created"]);
    expect(entries[0]).toMatchObject({ actor: "admin-token", site_id: site.siteId, request_id: res.headers.get("x-request-id"), details: { deleted: before } });

    // Nothing is left to collide with: the id can be used again, and its log goes on.
    expect((await post("/sites", ADMIN, { site_id: site.siteId, name: "Again" })).status).toBe(201);
    expect((await auditOf(site.siteId)).map((e) => e.action)).toEqual(["site_created", "site_deleted", "site_granted", "read_key_created", "site_created"]);
    expect(await rowsOf(site.siteId)).toMatchObject({ events: 0, sites: 1 });
  });

  it("waits for an ingest batch holding the site row and deletes what it stored; nothing lands after", async () => {
    const site = await newSite();
    // An ingest batch in flight, as db/ingest.ts runs it: the site row FOR SHARE, then its rows,
    // in a transaction that has not committed when the delete arrives.
    const conn = await connect({ databaseUrl: testEnv.DATABASE_URL, localProxy: testEnv.NEON_LOCAL_PROXY });
    let deleting: Promise<Response> | undefined;
    try {
      await conn.client.query("begin");
      await conn.client.query(
        `with s as (select site_id from sites where site_id = $1 for share),
              e as (insert into events (site_id, event_id, ts, worker_id, workstation_id, event_type, confidence, raw_json)
                    select site_id, 'in-flight', '2026-03-02T08:00:00Z', 'W1', 'S1', 'working', 0.9, '{}' from s)
         insert into ingestion_log (site_id, event_id) select site_id, 'in-flight' from s`,
        [site.siteId],
      );
      const [{ pid }] = (await conn.client.query("select pg_backend_pid() as pid")).rows as { pid: number }[];
      deleting = admin("DELETE", `/sites/${site.siteId}`);
      let answered = false;
      void deleting.then(() => (answered = true), () => (answered = true));
      // The delete's lock waits for the batch (polled through the lock graph): it either shows up
      // blocked by the batch, or it answered without waiting. No budget of polls or seconds.
      for (;;) {
        const blocked = await query("select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))", [pid]);
        if (blocked.length) break;
        if (answered) throw new Error("the delete never waited for the batch");
        await new Promise((r) => setTimeout(r, 25));
      }
      await conn.client.query("commit");
    } finally {
      await conn.client.query("rollback").catch(() => {});
      await conn.close();
    }
    const res = await deleting!;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { deleted: Record<string, number> }).deleted).toMatchObject({ events: 1, ingestion_log: 1, sites: 1 });
    expect(Object.values(await rowsOf(site.siteId)).every((n) => n === 0)).toBe(true);

    // A batch after the delete finds no site for its key: 401, nothing stored.
    expect((await post("/events/bulk", site.auth, [event(), event({ timestamp: "2026-03-02T08:30:00Z" })])).status).toBe(401);
    expect(Object.values(await rowsOf(site.siteId)).every((n) => n === 0)).toBe(true);
  });
});

describe("site settings", () => {
  it("POST /api/sites takes history_start (default a year before now) and the listing shows it", async () => {
    const id = `hs${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const res = await post("/sites", ADMIN, { site_id: id, name: "Plant H", history_start: "2024-06-01T12:00:00+02:00" });
    expect(res.status).toBe(201);
    // snake_case like every other body of the API, and for one release the previous names too (a
    // dashboard of the previous release reads them during an upgrade), and nothing else.
    expect(await listed(id)).toEqual({
      siteId: id,
      timeZone: "UTC",
      maxStateSeconds: 600,
      site_id: id,
      name: "Plant H",
      time_zone: "UTC",
      max_state_seconds: 600,
      history_start: "2024-06-01T10:00:00.000Z",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      revoked: false,
    });
    expect((await auditOf(id))[0]).toMatchObject({
      action: "site_created",
      request_id: res.headers.get("x-request-id"),
      details: { name: "Plant H", time_zone: "UTC", max_state_seconds: 600, history_start: "2024-06-01T10:00:00.000Z" },
    });

    const before = Date.now();
    expect((await post("/sites", ADMIN, { site_id: `${id}-d`, name: "Plant D" })).status).toBe(201);
    const after = Date.now();
    const start = Date.parse((await listed(`${id}-d`))!.history_start);
    const YEAR = 366 * 86_400_000;
    expect(start).toBeGreaterThanOrEqual(before - YEAR - 1000);
    expect(start).toBeLessThanOrEqual(after - YEAR + 1000);

    for (const [value, message] of [
      ["1999-12-31T23:59:59Z", "history_start must not be before 2000-01-01"],
      [new Date(Date.now() + 86_400_000).toISOString(), "history_start must not be in the future"],
      ["2024-06-01T12:00:00", "history_start must be ISO 8601 with a time zone offset, e.g. 2025-01-01T00:00:00Z"],
    ]) {
      const bad = await post("/sites", ADMIN, { site_id: `${id}-x`, name: "X", history_start: value });
      expect(bad.status, value).toBe(400);
      expect(await errorOf(bad)).toMatchObject({ code: "validation_failed", details: [{ path: "history_start", message }] });
    }
    expect(await listed(`${id}-x`)).toBeUndefined();
  });

  it("PATCH changes name and history_start only, records what changed, and ingest follows the new history_start", async () => {
    const site = await newSite();
    const patch = (json: unknown, headers: Record<string, string> = ADMIN) => api(`/sites/${site.siteId}`, { method: "PATCH", headers, json });

    const moved = await patch({ history_start: "2026-03-02T10:00:00+01:00" });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({
      site_id: site.siteId,
      name: `Test ${site.siteId}`,
      time_zone: "UTC",
      max_state_seconds: 600,
      history_start: "2026-03-02T09:00:00.000Z",
      revoked: false,
      changes: { history_start: { from: "2020-01-01T00:00:00.000Z", to: "2026-03-02T09:00:00.000Z" } },
    });
    expect(await listed(site.siteId)).toMatchObject({ history_start: "2026-03-02T09:00:00.000Z" });
    const early = await ingest(site.auth, event({ timestamp: "2026-03-02T08:59:59Z" }));
    expect(early.status).toBe(422);
    expect((await errorOf(early)).code).toBe("before_site_history");
    expect((await ingest(site.auth, event({ timestamp: "2026-03-02T09:00:00Z" }))).status).toBe(201);

    const renamed = await patch({ name: "  Plant 9 " });
    expect(await renamed.json()).toMatchObject({ name: "Plant 9", history_start: "2026-03-02T09:00:00.000Z", changes: { name: { from: `Test ${site.siteId}`, to: "Plant 9" } } });
    // Nothing changes: answered, not recorded.
    expect(await (await patch({ name: "Plant 9", history_start: "2026-03-02T09:00:00Z" })).json()).toMatchObject({ name: "Plant 9", changes: {} });

    const refusals: [unknown, string][] = [
      [{ history_start: "1999-12-31T23:59:59Z" }, "history_start"],
      [{ history_start: new Date(Date.now() + 60_000).toISOString() }, "history_start"],
      [{ history_start: "2026-03-02" }, "history_start"],
      [{ name: "" }, "name"],
      // Neither can change once metrics are computed.
      [{ time_zone: "Europe/Berlin" }, "(body)"],
      [{ name: "X", max_state_seconds: 60 }, "(body)"],
      [{}, "(body)"],
    ];
    for (const [json, path] of refusals) {
      const res = await patch(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(await errorOf(res), JSON.stringify(json)).toMatchObject({ code: "validation_failed", details: expect.arrayContaining([expect.objectContaining({ path })]) });
    }
    const plain = await api(`/sites/${site.siteId}`, { method: "PATCH", headers: { ...ADMIN, "content-type": "text/plain" }, body: '{"name":"Y"}' });
    expect(plain.status).toBe(415);
    await expectOwnerOnly(await patch({ name: "Y" }, site.auth));
    await expectOwnerOnly(await patch({ name: "Y" }, site.read));
    const missing = await api("/sites/no-such-site", { method: "PATCH", headers: ADMIN, json: { name: "Y" } });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("site_not_found");

    const [row] = await query<{ name: string; history_start: Date; time_zone: string }>("select name, history_start, time_zone from sites where site_id = $1", [site.siteId]);
    expect({ ...row, history_start: new Date(row.history_start).toISOString() }).toEqual({ name: "Plant 9", history_start: "2026-03-02T09:00:00.000Z", time_zone: "UTC" });

    const entries = await auditOf(site.siteId);
    expect(entries.map((e) => [e.action, e.details])).toEqual([
      ["settings_changed", { changes: { name: { from: `Test ${site.siteId}`, to: "Plant 9" } } }],
      ["settings_changed", { changes: { history_start: { from: "2020-01-01T00:00:00.000Z", to: "2026-03-02T09:00:00.000Z" } } }],
      ["read_key_created", expect.any(Object)],
      ["site_created", expect.any(Object)],
    ]);
    expect(entries[1].request_id).toBe(moved.headers.get("x-request-id"));
  });
});

describe("GET /api/sites/:siteId/audit", () => {
  it("is for an owner or the admin token only, takes a limit, and is 404 for a site never seen", async () => {
    const site = await newSite();
    await admin("POST", `/sites/${site.siteId}/rotate-key`);
    expect((await api(`/sites/${site.siteId}/audit`)).status).toBe(401);
    await expectOwnerOnly(await api(`/sites/${site.siteId}/audit`, { headers: site.auth }));
    await expectOwnerOnly(await api(`/sites/${site.siteId}/audit`, { headers: site.read }));
    const one = await api(`/sites/${site.siteId}/audit?limit=1`, { headers: ADMIN });
    expect(((await one.json()) as { entries: AuditEntry[] }).entries.map((e) => e.action)).toEqual(["key_rotated"]);
    for (const limit of ["0", "1001", "x"]) {
      const res = await api(`/sites/${site.siteId}/audit?limit=${limit}`, { headers: ADMIN });
      expect(res.status, limit).toBe(400);
      expect((await errorOf(res)).details[0].path).toBe("limit");
    }
    const never = await api("/sites/never-was-a-site/audit", { headers: ADMIN });
    expect(never.status).toBe(404);
    expect((await errorOf(never)).code).toBe("site_not_found");
  });
});
