// The derived values of the metrics, computed from the summed parts once, here, for the API (the
// dashboard shows them as they come and computes none of its own).

/** num / den as a percentage, or null when the denominator is 0. */
export const pct = (num: number, den: number): number | null => (den > 0 ? (100 * num) / den : null);

/** Units per hour of `seconds`, or null when there are none. */
export const perHour = (units: number, seconds: number): number | null => (seconds > 0 ? units / (seconds / 3600) : null);

/**
 * Working share of the tracked time: working / (working + idle + absent). Unknown time (no camera
 * signal) is left out, so an hour or a workstation where someone started at half past is judged
 * on the time it was watched: the same formula (and the same bands) for a worker, a workstation's
 * person-time and an hour of the factory.
 */
export const trackedUtilizationPct = (working: number, idle: number, absent: number): number | null =>
  pct(working, working + idle + absent);
