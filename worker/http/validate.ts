import { zValidator } from "@hono/zod-validator";
import { createMiddleware } from "hono/factory";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { ApiError, issueDetails } from "./errors";

/** zValidator that answers failures with the JSON error envelope and every failing field path. */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError(400, "validation_failed", `Invalid ${target}: ${result.error.issues.length} problem(s)`, issueDetails(result.error));
    }
  });

/** The json validator silently sees `{}` for other content types; say what is wrong instead. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  await next();
});
