import { describe, expect, it } from "vitest";
import { ADMIN, api, fetchWith, newSite, query, testEnv } from "../../test/helpers";
import { referenceMetrics, type RefEvent } from "../../test/reference/metrics-reference";
import type { EventInput } from "../../contract/events";
import { duplicatesOf, randomBatches, seededRandom, shuffled, uniqueDemoEvents } from "../../test/reliability/chaos-stream";

type Site = Awaited<ReturnType<typeof newSite>>;
type BulkBody = { inserted: number; results: { event_id: string; inserted: boolean; late: boolean }[] };
/** A batch's answered attempt, stamped on a logical clock: see sendLikeFlakyClients. */
type Answered = { batch: number; body: BulkBody; sentAt: number; answeredAt: number };

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
 * the batch again, until it gets an answer. Which batches time out, and when, is seeded; where in
 * the server's work an abort lands is not, and nothing below depends on it.
 *
 * Each answered attempt records, on one logical clock, when it was sent and when its answer was in.
 * An answer comes after the batch's statement committed, and by then every event of the batch is
 * stored (by this attempt, or by an earlier one or another batch whose insert this one waited for),
 * so an attempt sent after that answer runs on a snapshot that holds all of them.
 */
async function sendLikeFlakyClients(site: Site, batches: EventInput[][], rand: () => number, halfway: () => void) {
  const timeouts = batches.map(() => {
    const n = rand() < 0.25 ? (rand() < 0.3 ? 2 : 1) : 0;
    return Array.from({ length: n }, () => Math.floor(rand() * 400));
  });
  const answered: Answered[] = [];
  let clock = 0;
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
      const sentAt = clock++;
      const res = await api("/events/bulk", { method: "POST", headers: site.auth, json: batches[i] });
      if (res.status !== 200) throw new Error(`batch ${i}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as BulkBody;
      answered.push({ batch: i, body, sentAt, answeredAt: clock++ });
      if (answered.length === Math.ceil(batches.length / 2)) halfway();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { answered, timedOut: new Set(timeouts.flatMap((t, i) => (t.length ? [i] : []))) };
}

/**
 * Runs the recompute pass until nothing is pending or being processed. The queue consumer runs too,
 * and a request it holds can only be waited for; there is no budget of passes or seconds here
 * (each pass applies what it can claim), the test's timeout is the bound and `signal` ends the loop.
 */
async function settle(site: Site, signal: AbortSignal) {
  while (!signal.aborted) {
    expect((await api(`/metrics/recompute?site=${site.siteId}`, { method: "POST", headers: ADMIN })).status).toBe(200);
    const open = await query<{ status: string }>(
      "select distinct status from recompute_requests where site_id = $1 and status in ('pending', 'processing')",
      [site.siteId],
    );
    if (open.length === 0) return;
    // Pending ones are the next pass's; only requests a consumer holds are worth a pause.
    if (open.every((r) => r.status === "processing")) await sleep(100);
  }
}

// Through fetchWith: each read returns once its deferred cache write has landed.
const populateCache = (site: Site, window: string) =>
  Promise.all(
    VIEWS.map((v) => fetchWith(testEnv, `/metrics/cache/${v}?${window}&populate=true`, { headers: site.read }).then((r) => expect(r.status).toBe(200))),
  );

async function metrics(site: Site, path: string, expectCached?: boolean) {
  const res = await api(path, { headers: site.read });
  expect(res.status, path).toBe(200);
  const body = (await res.json()) as { cached?: boolean; stale?: boolean; metrics: unknown };
  if (expectCached !== undefined) expect({ cached: body.cached, stale: body.stale }, path).toEqual({ cached: expectCached, stale: false });
  return body.metrics;
}

/** Late events are about arrival order, not about the events: the two sites differ there by design. */
const withoutLate = (m: unknown): unknown => JSON.parse(JSON.stringify(m, (k, v) => (k === "late_events" ? undefined : v)));
/** What a site whose stored events are all on time must report: every late_events 0. */
const noneLate = (m: unknown): unknown => JSON.parse(JSON.stringify(m, (k, v) => (k === "late_events" ? 0 : v)));

type StoredRow = { event_id: string; worker_id: string; workstation_id: string; ts: number; is_late: boolean; ingested_us: number };

/** The site's stored events with their late flags and when they were stored (microseconds). */
async function storedRows(site: Site): Promise<StoredRow[]> {
  const rows = await query<{ event_id: string; worker_id: string; workstation_id: string; ts: Date; is_late: boolean; ingested_us: string }>(
    `select event_id, worker_id, workstation_id, ts, is_late,
            (extract(epoch from ingested_at) * 1000000)::bigint::text as ingested_us
     from events where site_id = $1`,
    [site.siteId],
  );
  return rows.map((r) => ({ ...r, ts: new Date(r.ts).getTime(), ingested_us: Number(r.ingested_us) }));
}

const pairOf = (e: { worker_id: string; workstation_id: string }) => `${e.worker_id}\n${e.workstation_id}`;

/**
 * The events that may be late: an event is flagged when it is older than the newest event of its
 * worker/workstation pair that was stored and committed before its own statement's snapshot, and
 * such an event was stored by a statement that started earlier (`ingested_at` is the storing
 * transaction's start, the same for a whole batch; each batch is one statement, whose snapshot is
 * taken as it starts, so one that committed before another's snapshot began before it). Events of
 * the same statement never make each other late.
 */
function mayBeLate(rows: StoredRow[]): Set<string> {
  const out = new Set<string>();
  const byPair = new Map<string, StoredRow[]>();
  for (const r of rows) {
    const list = byPair.get(pairOf(r));
    if (list) list.push(r);
    else byPair.set(pairOf(r), [r]);
  }
  for (const list of byPair.values()) {
    list.sort((a, b) => a.ingested_us - b.ingested_us);
    let newestBefore = -Infinity;
    for (let i = 0; i < list.length; ) {
      let j = i;
      let newest = newestBefore;
      for (; j < list.length && list[j].ingested_us === list[i].ingested_us; j++) {
        if (list[j].ts < newestBefore) out.add(list[j].event_id);
        newest = Math.max(newest, list[j].ts);
      }
      newestBefore = newest;
      i = j;
    }
  }
  return out;
}

/**
 * The events that must be late: stored by an answered attempt (the answer says `inserted`) that was
 * sent after the answer of a batch holding a newer event of the same pair. That event was stored
 * and committed before the attempt began, so the attempt saw it.
 */
function mustBeLate(answered: Answered[], batches: EventInput[][]): Set<string> {
  const out = new Set<string>();
  const steps = [
    ...answered.map((a) => ({ at: a.answeredAt, kind: "answer" as const, a })),
    ...answered.map((a) => ({ at: a.sentAt, kind: "send" as const, a })),
  ].sort((x, y) => x.at - y.at);
  const newest = new Map<string, number>();
  for (const { kind, a } of steps) {
    if (kind === "answer") {
      for (const e of batches[a.batch]) newest.set(pairOf(e), Math.max(newest.get(pairOf(e)) ?? -Infinity, Date.parse(e.timestamp)));
      continue;
    }
    a.body.results.forEach((r, j) => {
      const e = batches[a.batch][j];
      if (r.inserted && Date.parse(e.timestamp) < (newest.get(pairOf(e)) ?? -Infinity)) out.add(r.event_id);
    });
  }
  return out;
}

/** The reference implementation's figures for one view of a window (test/reference/metrics-reference.ts). */
function referenceView(ref: ReturnType<typeof referenceMetrics>, view: string): unknown {
  if (view === "factory") return ref.factory;
  if (view === "workers") return ref.workers;
  if (view === "workstations") return ref.workstations;
  const [kind, id] = view.split("/");
  return kind === "worker" ? ref.workers.find((w) => w.worker_id === id) : ref.workstations.find((w) => w.workstation_id === id);
}

const windowOf = (window: string) => {
  const q = new URLSearchParams(window);
  return { start: Date.parse(q.get("start")!), end: Date.parse(q.get("end")!) };
};

/**
 * Differences between two metrics results. Seconds are reported to the millisecond and must be
 * identical; other derived floats (average confidence) are sums of float4 values added in another
 * order (from rollups, or by the reference in JS), so those get a relative tolerance of 1e-9 there.
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
  it("100k events with 20% duplicates, shuffled, retried after timeouts by concurrent clients, end as the clean stream", { timeout: 240_000 }, async ({ signal }) => {
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

    // The late flags follow arrival order. The clean stream came in time order: nothing is late.
    // The chaotic one: every flagged event had a newer one of its pair stored by an earlier
    // statement, and every event its answered attempt stored after a newer one of its pair was
    // surely in (an earlier answer) is flagged, as its answer said.
    const cleanRows = await storedRows(clean);
    expect(cleanRows.filter((r) => r.is_late).map((r) => r.event_id)).toEqual([]);
    const chaosRows = await storedRows(chaos);
    const late = new Set(chaosRows.filter((r) => r.is_late).map((r) => r.event_id));
    const may = mayBeLate(chaosRows);
    const must = mustBeLate(sent.answered, batches);
    expect([...late].filter((id) => !may.has(id)).slice(0, 20), "flagged late without a newer event stored before").toEqual([]);
    expect([...must].filter((id) => !late.has(id)).slice(0, 20), "not flagged late after a newer event was stored").toEqual([]);
    // Shuffled arrival made most events late, so the bounds above are far from vacuous.
    expect(must.size).toBeGreaterThan(UNIQUE / 2);
    const misreported = sent.answered.flatMap(({ body }) => body.results.filter((r) => r.inserted && r.late !== late.has(r.event_id)));
    expect(misreported.slice(0, 20)).toEqual([]);

    // The queue consumer and the passes worked through the recompute requests the late events
    // recorded; none may be left failed.
    await settle(chaos, signal);
    await settle(clean, signal);
    const outbox = await query<{ status: string }>("select distinct status from recompute_requests where site_id = $1", [chaos.siteId]);
    expect(outbox).toEqual([{ status: "done" }]);

    // What the metrics must be, from the plain reference implementation over the unique events as
    // they were sent (ids as the answers gave them), with the late flags checked above.
    const idOf = new Map<EventInput, string>();
    for (const { batch, body } of sent.answered) body.results.forEach((r, j) => idOf.set(batches[batch][j], r.event_id));
    const sentEvents: RefEvent[] = unique.map((e) => ({
      event_id: idOf.get(e)!,
      ts: Date.parse(e.timestamp),
      worker_id: e.worker_id,
      workstation_id: e.workstation_id,
      event_type: e.event_type,
      confidence: e.confidence,
      count: e.count ?? null,
      is_late: late.has(idOf.get(e)!),
    }));
    // The windows are closed: any `now` after them gives the same figures.
    const now = Date.now();

    for (const window of WINDOWS) {
      const ref = referenceMetrics({ events: sentEvents, maxStateSeconds: 600, ...windowOf(window), now });
      for (const view of VIEWS) {
        const expected = referenceView(ref, view);
        const fresh = await metrics(chaos, `/metrics/${view}?${window}`);
        expect(differences(fresh, expected, `fresh ${view} ${window}`, 1e-9)).toEqual([]);
        // The clean site computes the very same figures, but for late events.
        const cleanFresh = await metrics(clean, `/metrics/${view}?${window}`);
        expect(differences(withoutLate(fresh), withoutLate(cleanFresh), `fresh ${view} ${window} against the clean site`)).toEqual([]);
        expect(differences(cleanFresh, noneLate(expected), `clean fresh ${view} ${window}`, 1e-9)).toEqual([]);
        // The chaotic site's full-window entries were cached halfway and must have been corrected;
        // the others are computed now from its rollups and edge hours.
        const chaosCached = await metrics(chaos, `/metrics/cache/${view}?${window}&populate=true`, window === WINDOWS[0]);
        expect(differences(chaosCached, expected, `cached ${view} ${window}`, 1e-9)).toEqual([]);
        const cleanCached = await metrics(clean, `/metrics/cache/${view}?${window}&populate=true`, false);
        expect(differences(cleanCached, noneLate(expected), `clean cached ${view} ${window}`, 1e-9)).toEqual([]);
      }
    }
  });
});
