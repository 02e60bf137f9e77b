import { Hono } from "hono";
import { z } from "zod";
import { auditActions, auditEntriesSchema } from "../../contract/sites";
import { listAuditLog } from "../../db/audit";
import type { AppEnv } from "../env";
import { requireOwner } from "../http/auth";
import { validate } from "../http/validate";
import { operation, TAGS } from "../openapi/describe";

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).meta({ description: "How many entries, newest first." }),
  before_id: z.coerce.number().int().min(1).optional().meta({ description: "Entries older than this id (the next page)." }),
  site: z.string().min(1).optional().meta({ description: "Only this site's entries." }),
  action: z.enum(auditActions).optional().meta({ description: "Only this action." }),
});

const listing = operation({
  tag: TAGS.audit,
  summary: "The audit log, newest first: logins, failed logins, exports, and changes to users, roles, keys and settings",
  access: "owner",
  ok: auditEntriesSchema,
  errors: ["validation_failed"],
});

export const auditRoutes = new Hono<AppEnv>().use(requireOwner).get("/", listing, validate("query", auditQuery), async (c) => {
  const q = c.req.valid("query");
  const { db } = await c.get("db")();
  return c.json({ entries: await listAuditLog(db, { limit: q.limit, beforeId: q.before_id, siteId: q.site, action: q.action }) });
});
