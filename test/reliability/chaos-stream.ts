import type { EventInput } from "../../contract/events";
import { generateDemoBatches } from "../../worker/seed/generate";

// Seeded: the same stream, duplicates and batches on every run.
export { seededRandom } from "../../worker/lib/seeded-random";

// What makes two events without an event_id the same observation (README, "event_id").
const observation = (e: EventInput) =>
  JSON.stringify([new Date(e.timestamp).toISOString(), e.worker_id, e.workstation_id, e.event_type, e.count ?? null, e.model_version ?? null]);

/**
 * `count` distinct demo events in time order (the generator's own camera retries dropped); every
 * tenth carries a camera-given event_id, the others rely on the derived one.
 */
export function uniqueDemoEvents(count: number, opts: { end: Date; days: number; seed: number }): EventInput[] {
  const seen = new Set<string>();
  const events: EventInput[] = [];
  for (const batch of generateDemoBatches({ ...opts, events: Math.ceil(count * 1.03), timeZone: "UTC" })) {
    for (const e of batch) {
      const key = observation(e);
      if (seen.has(key)) continue;
      seen.add(key);
      events.push(e);
    }
  }
  if (events.length < count) throw new Error(`the generator gave ${events.length} distinct events, fewer than ${count}`);
  // Stable sort: ties keep the generator's order.
  return events
    .map((e, i) => [Date.parse(e.timestamp), i, e] as const)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1])
    .slice(0, count)
    .map(([, i, e]) => (i % 10 === 0 ? { ...e, event_id: `cam-${i}` } : e));
}

/** The same instant written with another UTC offset, as a camera with another clock setting would. */
export function withOffset(timestamp: string, minutes: number): string {
  const local = new Date(Date.parse(timestamp) + minutes * 60_000).toISOString().slice(0, 23);
  const m = Math.abs(minutes);
  return `${local}${minutes < 0 ? "-" : "+"}${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * Copies of randomly picked events, as camera retries send them: verbatim, or with the timestamp
 * in another offset notation (the same observation). Confidence stays the same, so which copy is
 * stored first cannot change the metrics.
 */
export function duplicatesOf(events: EventInput[], howMany: number, rand: () => number): EventInput[] {
  return Array.from({ length: howMany }, () => {
    const e = events[Math.floor(rand() * events.length)];
    return rand() < 0.5 ? { ...e } : { ...e, timestamp: withOffset(e.timestamp, rand() < 0.5 ? 120 : -330) };
  });
}

export function shuffled<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Batches of between `min` and `max` events. */
export function randomBatches<T>(items: T[], rand: () => number, min: number, max: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = min + Math.floor(rand() * (max - min + 1));
    batches.push(items.slice(i, i + size));
    i += size;
  }
  return batches;
}
