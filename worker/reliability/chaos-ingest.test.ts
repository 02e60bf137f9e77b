import { describe, expect, it } from "vitest";
import { ADMIN, api, newSite, query } from "../../test/helpers";
import type { EventInput } from "../ingest/event-schema";
import { duplicatesOf, randomBatches, seededRandom, shuffled, uniqueDemoEvents } from "./chaos-stream";

type Site = Awaited<ReturnType<typeof newSite>>;
type BulkBody = { inserted: number; results: { event_id: string; inserted: boolean }[] };

const UNIQUE = 100_000;
const CLIENTS = 4;
// Three closed days; the second window has unaligned edges, which are read from events.
const WINDOWS = ["start=2026-10-29T00:00:00Z&end=2026-11-01T00:00:00Z", "start=2026-10-29T05:17:00Z&end=2026-10-31T19:43:30Z"];
// Every worker and workstation in one call each, and one of each on its own.
const VIEWS = ["factory", "workers", "workstations", "worker/W3", "workstation/S2"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts the batches from concurrent clients. Some attempts time out: the client gives up after a
 * while (aborting the request, whose write may or may not have happened on the server) and sends
 * the batch again, until it gets an answer. Which batches time out, and when, is seeded.
 */
async function sendLikeFlakyClients(site: Site, batches: EventInput[][], rand: () => number, halfway: () => void) {
  const timeouts = batches.map(() => {
    const n = rand() < 0.25 ? (rand() < 0.3 ? 2 : 1) : 0;
    return Array.from({ length: n }, () => Math.floor(rand() * 400));
  });
  const answered: { batch: number; body: BulkBody }[] = [];
  let next = 0;
  const client = async () => {
    while (next < batches.length) {
      const i = next++;
      for (const after of timeouts[i]) {
        const abort = new AbortController();
        api("/events/bulk", { method: "POST", headers: site.auth, json: batches[i], signal: abort.signal })
          .then((res) => res.body?.cancel())
          .catch(() => {});
        await sleep(after);
        abort.abort();
      }
      const res = await api("/events/bulk", { method: "POST", headers: site.auth, json: batches[i] });
      if (res.status !== 200) throw new Error(`batch ${i}: ${res.status} ${await res.text()}`);
      answered.push({ batch: i, body: (await res.json()) as BulkBody });
      if (answered.length === Math.ceil(batches.length / 2)) halfway();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { answered, timedOut: new Set(timeouts.flatMap((t, i) => (t.length ? [i] : []))) };
}

/** Runs the recompute pass until nothing is pending or being processed (the queue consumer runs too). */
async function settle(site: Site) {
  for (let i = 0; i < 240; i++) {
    expect((await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
    const open = await query("select 1 from recompute_requests where site_id = $1 and status in ('pending', 'processing') limit 1", [site.siteId]);
    if (open.length === 0) return;
    await sleep(250);
  }
  throw new Error("recompute requests still open");
}

const populateCache = (site: Site, window: string) =>
  Promise.all(VIEWS.map((v) => api(`/metrics/cache/${v}?${window}&populate=true`, { headers: site.auth }).then((r) => expect(r.status).toBe(200))));

/**
 * The metrics of one site for comparison with another's. Late events are about arrival order, not
 * about the events, so `late_events` is left out; everything else is compared.
 */
async function metrics(site: Site, path: string, expectCached?: boolean) {
  const res = await api(path, { headers: site.auth });
  expect(res.status, path).toBe(200);
  const body = (await res.json()) as { cached?: boolean; stale?: boolean; metrics: unknown };
  if (expectCached !== undefined) expect({ cached: body.cached, stale: body.stale }, path).toEqual({ cached: expectCached, stale: false });
  return JSON.parse(JSON.stringify(body.metrics, (k, v) => (k === "late_events" ? undefined : v)));
}

/**
 * Differences between two metrics results. Seconds are reported to the millisecond and must be
 * identical; other derived floats (average confidence) are sums of float4 values added in another
 * order from rollups, so rollup-backed reads get a relative tolerance of 1e-9 on those.
 */
function differences(actual: unknown, expected: unknown, path = "", tolerance = 0): string[] {
  if (typeof actual === "number" && typeof expected === "number") {
    const allowed = path.endsWith("_seconds") ? 0 : tolerance;
    return Math.abs(actual - expected) <= allowed * Math.max(1, Math.abs(expected)) ? [] : [`${path}: ${actual} != ${expected}`];
  }
  if (actual && expected && typeof actual === "object" && typeof expected === "object") {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    return [...keys].flatMap((k) =>
      differences((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`, tolerance),
    );
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
}

describe("chaotic ingest", () => {
  it("100k events with 20% duplicates, shuffled, retried after timeouts by concurrent clients, end as the clean stream", { timeout: 240_000 }, async () => {
    const rand = seededRandom(20261124);
    const unique = uniqueDemoEvents(UNIQUE, { end: new Date("2026-11-01T00:00:00Z"), days: 3, seed: 11 });
    // A fifth of what is sent is a repeat of something else sent.
    const stream = shuffled([...unique, ...duplicatesOf(unique, UNIQUE / 4, rand)], rand);
    const batches = randomBatches(stream, rand, 2_000, 5_000);

    const chaos = await newSite();
    const clean = await newSite();

    // Halfway through, an operator rolls up the hours so far and the dashboard caches the days:
    // the rest of the stream lands in built hours and cached windows and has to correct both.
    let midway: Promise<void> | undefined;
    const sent = await sendLikeFlakyClients(chaos, batches, rand, () => {
      midway = (async () => {
        expect((await api(`/metrics/recompute?site=${chaos.siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
        await populateCache(chaos, WINDOWS[0]);
      })();
    });
    await midway;

    // The same unique events, in time order, without repeats or timeouts.
    for (let i = 0; i < unique.length; i += 5_000) {
      const res = await api("/events/bulk", { method: "POST", headers: clean.auth, json: unique.slice(i, i + 5_000) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as BulkBody).inserted).toBe(Math.min(5_000, unique.length - i));
    }

    // Exactly the unique set is stored: as many rows as distinct observations, the same ids as the
    // clean stream, the cameras' own ids among them.
    const [counts] = await query<{ n: string; observations: string; cam: string }>(
      `select count(*) as n, count(distinct (ts, worker_id, workstation_id, event_type, count, model_version)) as observations,
              count(*) filter (where event_id like 'cam-%') as cam
       from events where site_id = $1`,
      [chaos.siteId],
    );
    expect(counts).toEqual({ n: String(UNIQUE), observations: String(UNIQUE), cam: String(unique.filter((e) => e.event_id).length) });
    const [diff] = await query<{ only_chaos: string; only_clean: string }>(
      `select (select count(*) from (select event_id from events where site_id = $1 except select event_id from events where site_id = $2) x) as only_chaos,
              (select count(*) from (select event_id from events where site_id = $2 except select event_id from events where site_id = $1) x) as only_clean`,
      [chaos.siteId, clean.siteId],
    );
    expect(diff).toEqual({ only_chaos: "0", only_clean: "0" });

    // Every answer the clients got is honest: no event is reported inserted twice, and one never
    // reported inserted was sent in a batch whose first attempt timed out (and stored it unseen).
    const insertedFlags = new Map<string, number>();
    const batchesOf = new Map<string, number[]>();
    for (const { batch, body } of sent.answered) {
      expect(body.results.filter((r) => r.inserted).length).toBe(body.inserted);
      for (const r of body.results) {
        if (r.inserted) insertedFlags.set(r.event_id, (insertedFlags.get(r.event_id) ?? 0) + 1);
        batchesOf.set(r.event_id, [...(batchesOf.get(r.event_id) ?? []), batch]);
      }
    }
    expect(sent.answered).toHaveLength(batches.length);
    expect(batchesOf.size).toBe(UNIQUE);
    const twice = [...insertedFlags].filter(([, n]) => n > 1);
    const unexplained = [...batchesOf].filter(([id, bs]) => !insertedFlags.has(id) && !bs.some((b) => sent.timedOut.has(b)));
    expect(twice).toEqual([]);
    expect(unexplained).toEqual([]);
    expect(sent.timedOut.size).toBeGreaterThan(0);

    // Shuffled arrival made most events late, and the queue consumer and the passes worked
    // through their recompute requests; none may be left failed.
    await settle(chaos);
    await settle(clean);
    const outbox = await query<{ status: string }>("select distinct status from recompute_requests where site_id = $1", [chaos.siteId]);
    expect(outbox).toEqual([{ status: "done" }]);

    for (const window of WINDOWS) {
      for (const view of VIEWS) {
        const reference = await metrics(clean, `/metrics/${view}?${window}`);
        expect(differences(await metrics(chaos, `/metrics/${view}?${window}`), reference, `fresh ${view} ${window}`)).toEqual([]);
        // The chaotic site's full-window entries were cached halfway and must have been corrected;
        // the others are computed now from its rollups and edge hours.
        const chaosCached = await metrics(chaos, `/metrics/cache/${view}?${window}&populate=true`, window === WINDOWS[0]);
        expect(differences(chaosCached, reference, `cached ${view} ${window}`, 1e-9)).toEqual([]);
        const cleanCached = await metrics(clean, `/metrics/cache/${view}?${window}&populate=true`, false);
        expect(differences(cleanCached, reference, `clean cached ${view} ${window}`, 1e-9)).toEqual([]);
      }
    }
  });
});
