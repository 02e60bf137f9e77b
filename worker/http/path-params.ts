// The ids in request paths, validated (any non-empty segment is one) so that the API description
// names and explains them from the same schema as the query parameters.
import { z } from "zod";
import { validate } from "./validate";

const pathId = (description: string, example: string) =>
  z.object({ id: z.string().min(1).meta({ description, examples: [example] }) });

export const workerIdParam = validate("param", pathId("The worker's id, as its events name it (URL-encoded).", "W1"));
export const workstationIdParam = validate("param", pathId("The workstation's id, as its events name it (URL-encoded).", "S1"));
export const siteIdParam = validate(
  "param",
  z.object({ siteId: z.string().min(1).meta({ description: "The site's id.", examples: ["plant-7"] }) }),
);
