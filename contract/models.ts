import { z } from "zod";
import { DEFAULT_MIN_EFFECT, DEFAULT_THRESHOLD, HISTOGRAM_BINS, MIN_BASELINE_EVENTS } from "./constants";
import { isoWithOffset, responseWindowSchema, windowQuerySchema } from "./metrics";

export { DEFAULT_MIN_EFFECT, DEFAULT_THRESHOLD, HISTOGRAM_BINS, MIN_BASELINE_EVENTS };

/**
 * `baseline_start` / `baseline_end` under exactly the rules of a metrics window (ISO with offset,
 * start <= end, at most 93 days), with the failing paths and messages naming these parameters.
 */
const baselineQuerySchema = z
  .object({
    // Declared with the same field rules as start and end, so the API description has them
    // required; the window rules between the two are checked below.
    baseline_start: isoWithOffset("baseline_start").meta({
      description: "Start of the baseline window (included), ISO 8601 with an offset.",
      examples: ["2026-02-23T00:00:00Z"],
    }),
    baseline_end: isoWithOffset("baseline_end").meta({
      description: "End of the baseline window (excluded): the same rules as end.",
      examples: ["2026-03-02T00:00:00Z"],
    }),
  })
  .transform((q, ctx) => {
    const parsed = windowQuerySchema.safeParse({ start: q.baseline_start, end: q.baseline_end });
    if (parsed.success) return { baseline: parsed.data };
    for (const issue of parsed.error.issues) {
      ctx.addIssue({
        code: "custom",
        path: issue.path.map((p) => (p === "start" || p === "end" ? `baseline_${p}` : p)),
        message: issue.message.replace(/\b(start|end)\b/g, "baseline_$1"),
      });
    }
    return z.NEVER;
  });

/**
 * `?start&end&baseline_start&baseline_end[&threshold&min_effect]`. An intersection rather than one
 * object so that problems with both windows are reported together.
 */
export const driftQuerySchema = z.intersection(
  windowQuerySchema.extend({
    threshold: z.coerce
      .number({ message: "threshold must be a number" })
      .gt(0, "threshold must be above 0")
      .max(1, "threshold must be at most 1")
      .default(DEFAULT_THRESHOLD)
      .meta({ description: "A version is flagged when its KS p-value is below this (and the effect is large enough)." }),
    min_effect: z.coerce
      .number({ message: "min_effect must be a number" })
      .min(0, "min_effect must be between 0 and 1")
      .max(1, "min_effect must be between 0 and 1")
      .default(DEFAULT_MIN_EFFECT)
      .meta({ description: "The smallest KS distance d that is flagged, however small the p-value." }),
  }),
  baselineQuerySchema,
);

export type DriftQuery = z.output<typeof driftQuerySchema>;

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

export const baselineKinds = ["same_version", "all_versions", "none"] as const;

export const driftSampleSchema = z.object({
  events: count,
  /** null for an empty sample. */
  mean_confidence: z.number().min(0).max(1).nullable(),
  event_types: z.object({ working: count, idle: count, absent: count, product_count: count }),
  /** Events per confidence bin: bin i is [i/10, (i+1)/10), the last one [0.9, 1]. */
  histogram: z.array(count).length(HISTOGRAM_BINS),
}).meta({ id: "DriftSample" });

export const modelDriftSchema = z.object({
  /** null: events sent without a model_version. */
  model_version: z.string().nullable(),
  window: driftSampleSchema,
  /**
   * same_version: this version's own baseline events; all_versions: every baseline event (the
   * version has fewer than MIN_BASELINE_EVENTS there); none: the baseline window is empty.
   */
  baseline_kind: z.enum(baselineKinds),
  baseline: driftSampleSchema,
  /** Two-sample Kolmogorov-Smirnov test of the window's confidences against the baseline's. */
  ks: z
    .object({
      d: z.number().min(0).max(1),
      p_value: z.number().min(0).max(1),
      n: count,
      m: count,
    })
    .nullable(),
  /** p_value < threshold and d >= min_effect. */
  flagged: z.boolean(),
}).meta({ id: "ModelDrift" });

export const driftResponseSchema = z.object({
  site_id: z.string(),
  window: responseWindowSchema,
  baseline_window: responseWindowSchema,
  computed_at: iso,
  rule: z.object({
    threshold: z.number(),
    min_effect: z.number(),
    min_baseline_events: count,
  }),
  models: z.array(modelDriftSchema),
}).meta({ id: "DriftResponse" });

export type DriftSample = z.infer<typeof driftSampleSchema>;
export type ModelDrift = z.infer<typeof modelDriftSchema>;
export type DriftResponse = z.infer<typeof driftResponseSchema>;
