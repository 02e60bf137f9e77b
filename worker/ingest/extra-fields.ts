// Extra fields of an event (beyond the contract's) are kept verbatim in raw_json, within bounds.
import { eventSchema } from "../../contract/events";
import { ApiError, type ErrorDetail } from "../http/errors";

/**
 * Fields an event carries beyond the schema's are kept verbatim in raw_json (jsonb), within these
 * bounds: unbounded, one event stored megabytes, and values nested some thousands deep exceed
 * Postgres' stack depth, which failed the whole batch with a 500. 16 levels and 16 KB leave room
 * for any real camera metadata (bounding boxes, track ids, a model's extra scores).
 */
export const EXTRA_FIELDS_MAX_DEPTH = 16;
export const EXTRA_FIELDS_MAX_BYTES = 16 * 1024;

const knownFields = new Set(Object.keys(eventSchema.shape));
const MAX_DETAILS = 100;

/**
 * Checks the extra fields of events that passed the schema (`raw` as parsed, one object per
 * event): too deep is a 400 naming each field, too large a 413 naming each event. Depth goes
 * first, as the size of a value nested too deep is not worth measuring (nor safe to serialize).
 */
export function checkExtraFields(raw: readonly Record<string, unknown>[], bulk: boolean): void {
  const at = (i: number, key?: string) => (bulk ? (key === undefined ? `${i}` : `${i}.${key}`) : (key ?? "(body)"));
  const tooDeep: ErrorDetail[] = [];
  const tooLarge: ErrorDetail[] = [];
  raw.forEach((event, i) => {
    const extra = extraKeys(event);
    if (extra === undefined) return;
    for (const key of extra) {
      if (nestsDeeperThan(event[key], EXTRA_FIELDS_MAX_DEPTH)) {
        tooDeep.push({ path: at(i, key), message: `nests arrays and objects more than ${EXTRA_FIELDS_MAX_DEPTH} levels deep` });
      }
    }
    if (tooDeep.length > 0) return;
    const bytes = extraFieldBytes(event, extra);
    if (bytes > EXTRA_FIELDS_MAX_BYTES) {
      tooLarge.push({ path: at(i), message: `its extra fields take ${bytes} bytes as JSON, over ${EXTRA_FIELDS_MAX_BYTES}` });
    }
  });
  if (tooDeep.length > 0) {
    throw new ApiError(400, "extra_fields_too_deep", `Extra fields may nest at most ${EXTRA_FIELDS_MAX_DEPTH} levels. Nothing was stored.`, tooDeep.slice(0, MAX_DETAILS));
  }
  if (tooLarge.length > 0) {
    throw new ApiError(413, "extra_fields_too_large", `An event's extra fields may take at most ${EXTRA_FIELDS_MAX_BYTES} bytes as JSON. Nothing was stored.`, tooLarge.slice(0, MAX_DETAILS));
  }
}

/** The keys the schema does not know, undefined when none (nearly always: no array allocated then). */
function extraKeys(event: Record<string, unknown>): string[] | undefined {
  let keys: string[] | undefined;
  // A parsed JSON object inherits no enumerable keys: for-in sees its own, without copying them.
  for (const key in event) if (!knownFields.has(key)) (keys ??= []).push(key);
  return keys;
}

/** Whether arrays and objects nest more than `levels` deep in `value`: stops there, so no deep recursion. */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (levels === 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeperThan(v, levels - 1)) return true;
  }
  return false;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of the extra fields written as one JSON object, as raw_json would hold them alone. */
function extraFieldBytes(event: Record<string, unknown>, keys: string[]): number {
  // No prototype, so a `__proto__` key is copied as a field like any other.
  const extra: Record<string, unknown> = Object.create(null);
  for (const key of keys) extra[key] = event[key];
  return encoder.encode(JSON.stringify(extra)).byteLength;
}

