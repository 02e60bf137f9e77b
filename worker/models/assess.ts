import type { DriftRow } from "../../db/drift";
import { ksPValue } from "./kolmogorov";
import type { ModelDrift } from "../../contract/models";

export type DriftRule = { threshold: number; minEffect: number };

/**
 * Adds the p-value and the flag to a version's comparison. Both conditions must hold: with tens of
 * thousands of events even a shift nobody would act on is "significant", so a version is flagged
 * only when the shift is also large (D, the largest gap between the two confidence CDFs).
 */
export function assessDrift(row: DriftRow, rule: DriftRule): ModelDrift {
  const { d, ...rest } = row;
  const n = row.window.events;
  const m = row.baseline.events;
  const pValue = d === null ? null : ksPValue(d, n, m);
  const ks = d === null || pValue === null ? null : { d, p_value: pValue, n, m };
  return { ...rest, ks, flagged: ks !== null && ks.p_value < rule.threshold && ks.d >= rule.minEffect };
}
