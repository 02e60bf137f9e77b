// Every read endpoint and every owner endpoint, asked with every kind of credential: the status
// each one gets, that a refusal carries no data, and that a refused read stores nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, event, newSite, newUser, query } from "../../test/helpers";

const WINDOW = "start=2026-03-02T00:00:00Z&end=2026-03-03T00:00:00Z";
const BASELINE = "baseline_start=2026-03-01T00:00:00Z&baseline_end=2026-03-02T00:00:00Z";

type Creds = Record<string, Record<string, string>>;
let siteA: Awaited<ReturnType<typeof newSite>>;
let siteB: Awaited<ReturnType<typeof newSite>>;
let creds: Creds;

async function readKey(siteId: string, workerDetail: boolean) {
  const res = await api(`/sites/${siteId}/read-keys`, { method: "POST", headers: ADMIN, json: { name: "matrix", worker_detail: workerDetail } });
  expect(res.status).toBe(201);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return { authorization: `Bearer ${((await res.json()) as { key: string }).key}` };
}

beforeAll(async () => {
  [siteA, siteB] = await Promise.all([newSite(), newSite()]);
  const ingest = await api("/events/bulk", {
    method: "POST",
    headers: siteA.auth,
    json: [
      event({ timestamp: "2026-03-02T08:00:00Z", event_type: "working" }),
      event({ timestamp: "2026-03-02T08:05:00Z", event_type: "product_count", count: 3 }),
      event({ timestamp: "2026-03-02T08:09:00Z", event_type: "idle" }),
    ],
  });
  expect(ingest.status).toBeLessThan(300);
  // One at a time: each costs two password hashes of CPU in this one isolate.
  const viewer = await newUser({ sites: [{ siteId: siteA.siteId, role: "viewer" }] });
  const viewerDetail = await newUser({ sites: [{ siteId: siteA.siteId, role: "viewer", workerDetail: true }] });
  const manager = await newUser({ sites: [{ siteId: siteA.siteId, role: "manager" }] });
  const owner = await newUser({ owner: true });
  const managerB = await newUser({ sites: [{ siteId: siteB.siteId, role: "manager" }] });
  creds = {
    none: {},
    "ingest key": siteA.auth,
    "read key": await readKey(siteA.siteId, false),
    "read key with worker detail": await readKey(siteA.siteId, true),
    viewer: viewer.auth,
    "viewer with worker detail": viewerDetail.auth,
    manager: manager.auth,
    owner: owner.auth,
    "admin token": ADMIN,
    "another site's manager": managerB.auth,
    "another site's read key": siteB.read,
    "another site's ingest key": siteB.auth,
    "a made-up session token": { authorization: "Bearer wpds_notarealsessiontokenatall" },
  };
}, 120_000);

const aggregate = [
  "/metrics/factory",
  "/metrics/workstations",
  "/metrics/workstation/S1",
  "/metrics/cache/factory",
  "/metrics/cache/workstations",
  "/metrics/cache/workstation/S1",
  "/timeline/workstation/S1",
  `/models/drift?${BASELINE}`,
];
const perWorker = ["/metrics/worker/W1", "/metrics/workers", "/metrics/cache/worker/W1", "/metrics/cache/workers", "/timeline/worker/W1"];

// [status, error code] per credential; `ok` is 200 with the site's data.
const OK = [200, undefined] as const;
const expected = (kind: "aggregate" | "worker"): Record<string, readonly [number, string | undefined]> => ({
  none: [401, "unauthorized"],
  "ingest key": [403, "ingest_key_cannot_read"],
  "read key": kind === "aggregate" ? OK : [403, "worker_detail_forbidden"],
  "read key with worker detail": OK,
  viewer: kind === "aggregate" ? OK : [403, "worker_detail_forbidden"],
  "viewer with worker detail": OK,
  manager: OK,
  owner: OK,
  "admin token": OK,
  // Not told whether the site exists.
  "another site's manager": [404, "site_not_found"],
  "another site's read key": [403, "forbidden"],
  "another site's ingest key": [403, "ingest_key_cannot_read"],
  "a made-up session token": [401, "unauthorized"],
});

const url = (path: string, populate: boolean) =>
  `${path}${path.includes("?") ? "&" : "?"}site=${siteA.siteId}&${WINDOW}${populate && path.includes("/cache/") ? "&populate=true" : ""}`;

describe("read endpoints x credentials", () => {
  for (const [kind, paths] of [["aggregate", aggregate], ["worker", perWorker]] as const) {
    for (const path of paths) {
      it(`${path}: each credential gets what its role allows, and a refusal carries no data and stores nothing`, async () => {
        for (const [name, [status, code]] of Object.entries(expected(kind))) {
          const before = await query<{ n: number }>("select count(*)::int as n from metrics_cache where site_id = $1", [siteA.siteId]);
          const res = await api(url(path, true), { headers: creds[name] });
          const text = await res.text();
          expect([name, res.status], text).toEqual([name, status]);
          expect(res.headers.get("cache-control"), name).toBe("private, no-store");
          if (status === 200) {
            expect(JSON.parse(text).site_id ?? JSON.parse(text).window, name).toBeDefined();
            continue;
          }
          const body = JSON.parse(text);
          expect(Object.keys(body), name).toEqual(["error"]);
          expect(body.error.code, name).toBe(code);
          // No worker's id or figures in a refusal.
          expect(text, name).not.toMatch(/W1|working_seconds|utilization/);
          const after = await query<{ n: number }>("select count(*)::int as n from metrics_cache where site_id = $1", [siteA.siteId]);
          expect(after[0].n, name).toBe(before[0].n);
        }
      });
    }
  }

  it("names workers in a workstation's timeline only for readers who may see per-worker data", async () => {
    const read = async (name: string) => (await (await api(url("/timeline/workstation/S1", false), { headers: creds[name] })).json()) as {
      intervals: { worker_id: string }[];
      worker_ids_redacted?: boolean;
    };
    const viewer = await read("viewer");
    expect(viewer.worker_ids_redacted).toBe(true);
    expect(viewer.intervals.length).toBeGreaterThan(0);
    expect(new Set(viewer.intervals.map((i) => i.worker_id))).toEqual(new Set(["worker 1"]));
    const manager = await read("manager");
    expect(manager.worker_ids_redacted).toBeUndefined();
    expect(new Set(manager.intervals.map((i) => i.worker_id))).toEqual(new Set(["W1"]));
  });

  it("names workers in a workstation's metrics only for readers who may see per-worker data, fresh or cached", async () => {
    for (const path of ["/metrics/workstation/S1", "/metrics/workstations", "/metrics/cache/workstation/S1", "/metrics/cache/workstations"]) {
      for (const name of ["viewer", "read key"]) {
        const res = await api(url(path, true), { headers: creds[name] });
        const text = await res.text();
        expect([path, name, res.status]).toEqual([path, name, 200]);
        expect(text, `${path} ${name}`).not.toContain("W1");
        const body = JSON.parse(text) as { worker_ids_redacted?: boolean; metrics: { workers_seen: string[] } | { workers_seen: string[] }[] };
        expect(body.worker_ids_redacted, `${path} ${name}`).toBe(true);
        const seen = Array.isArray(body.metrics) ? body.metrics.flatMap((m) => m.workers_seen) : body.metrics.workers_seen;
        expect(seen, `${path} ${name}`).toEqual(["worker 1"]);
      }
      const manager = (await (await api(url(path, true), { headers: creds.manager })).json()) as { worker_ids_redacted?: boolean };
      expect(manager.worker_ids_redacted, path).toBeUndefined();
      expect(JSON.stringify(manager), path).toContain("W1");
    }
  });

  it("a session must name the site; a read key may name only its own", async () => {
    const noSite = await api(`/metrics/factory?${WINDOW}`, { headers: creds.manager });
    expect(noSite.status).toBe(400);
    expect(((await noSite.json()) as { error: { code: string } }).error.code).toBe("site_required");
    expect((await api(`/metrics/factory?${WINDOW}`, { headers: creds["read key"] })).status).toBe(200);
  });

  it("records a CSV export with who made it, the file and the client address", async () => {
    const res = await api(url("/metrics/cache/workers", true), {
      headers: { ...creds.manager, "x-export": "workers.csv", "x-client-ip": "198.51.100.7" },
    });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => query("select actor, ip, details->>'file' as file from admin_audit_log where action = 'export' and site_id = $1", [siteA.siteId]))
      .toEqual([{ actor: expect.stringMatching(/^user:/), ip: "198.51.100.7", file: "workers.csv" }]);
  });
});

const ownerEndpoints: [string, string, unknown?][] = [
  ["GET", "/users"],
  ["GET", "/audit"],
  ["GET", "/sites"],
  ["GET", "/sites/SITE/read-keys"],
  ["POST", "/sites/SITE/read-keys", { name: "from the matrix" }],
  ["GET", "/sites/SITE/audit"],
];

describe("owner endpoints x credentials", () => {
  it.each(ownerEndpoints)("%s %s: an owner and the admin token only", async (method, path, json) => {
    const expectations: Record<string, number> = {
      none: 401,
      "ingest key": 403,
      "read key": 403,
      "read key with worker detail": 403,
      viewer: 403,
      manager: 403,
      owner: method === "POST" ? 201 : 200,
      "admin token": method === "POST" ? 201 : 200,
      "a made-up session token": 401,
    };
    for (const [name, status] of Object.entries(expectations)) {
      const keysBefore = await query<{ n: number }>("select count(*)::int as n from read_keys where site_id = $1", [siteA.siteId]);
      const res = await api(path.replace("SITE", siteA.siteId), { method, headers: creds[name], json });
      expect([name, res.status], await res.clone().text()).toEqual([name, status]);
      if (status >= 400) {
        const keysAfter = await query<{ n: number }>("select count(*)::int as n from read_keys where site_id = $1", [siteA.siteId]);
        expect(keysAfter[0].n, name).toBe(keysBefore[0].n);
        if (status === 403) expect(((await res.json()) as { error: { code: string } }).error.code, name).toBe("owner_only");
      }
    }
  });
});

describe("ingest with anything but an ingest key", () => {
  it("is refused and stores nothing", async () => {
    for (const name of ["read key with worker detail", "manager", "owner"]) {
      const before = await query<{ n: number }>("select count(*)::int as n from events where site_id = $1", [siteA.siteId]);
      const res = await api("/events", { method: "POST", headers: creds[name], json: event({ timestamp: "2026-03-02T09:00:00Z" }) });
      expect([name, res.status]).toEqual([name, 401]);
      const after = await query<{ n: number }>("select count(*)::int as n from events where site_id = $1", [siteA.siteId]);
      expect(after[0].n, name).toBe(before[0].n);
    }
  });
});
