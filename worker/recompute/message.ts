import { z } from "zod";
import { entityTypes } from "../../db/schema";

/** One Queue message per outbox row: which entity's metrics to rebuild for which window. */
export const recomputeMessageSchema = z.object({
  request_id: z.number().int().positive(),
  site_id: z.string(),
  entity_type: z.enum(entityTypes),
  entity_id: z.string(),
  window_start: z.iso.datetime({ offset: true }),
  window_end: z.iso.datetime({ offset: true }),
});

export type RecomputeMessage = z.infer<typeof recomputeMessageSchema>;
