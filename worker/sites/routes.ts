import { Hono, type Context } from "hono";
import { z } from "zod";
import { listAudit, type AuditActor } from "../../db/audit";
import { createSite, deleteSite, listSites, revokeSiteKey, rotateSiteKey, updateSiteSettings } from "../../db/sites";
import type { AppEnv } from "../env";
import { ADMIN_TOKEN_ACTOR, requireAdmin } from "../http/auth";
import { forgetFailedKey } from "../http/bad-key-throttle";
import { ApiError } from "../http/errors";
import { isStorableText } from "../http/storable-text";
import { requireJson, validate } from "../http/validate";
import { sha256Hex } from "../ingest/event-id";
import { newSiteKey } from "./site-key";

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const MIN_HISTORY_START = Date.UTC(2000, 0, 1);

const siteName = z.string().trim().min(1).max(200).refine(isStorableText, "name may not contain NUL characters or unpaired surrogates");

// Events before a site's history_start are refused by ingest. Normalised to UTC ISO for the database.
const historyStart = z.iso
  .datetime({ offset: true, message: "history_start must be ISO 8601 with a time zone offset, e.g. 2025-01-01T00:00:00Z" })
  .check((ctx) => {
    const t = Date.parse(ctx.value);
    const message = Number.isNaN(t)
      ? "history_start is not a date that exists"
      : t < MIN_HISTORY_START
        ? "history_start must not be before 2000-01-01"
        : t > Date.now()
          ? "history_start must not be in the future"
          : undefined;
    if (message) ctx.issues.push({ code: "custom", message, input: ctx.value });
  })
  .transform((s) => new Date(Date.parse(s)).toISOString());

const newSiteSchema = z.object({
  site_id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "site_id: lowercase letters, digits, _ and -, up to 64"),
  name: siteName,
  time_zone: z.string().refine(isTimeZone, "time_zone must be an IANA time zone such as Europe/Berlin").default("UTC"),
  max_state_seconds: z.number().int().min(10).max(86_400).default(600),
  // Default (the column's): a year before the site's creation.
  history_start: historyStart.optional(),
});

// Only these two settings change after creation: the time zone and the gap cap are baked into
// rollups and cached metrics.
const settingsSchema = z
  .strictObject({ name: siteName.optional(), history_start: historyStart.optional() })
  .refine((b) => b.name !== undefined || b.history_start !== undefined, "send name and/or history_start");

const auditQuery = z.object({
  limit: z.coerce.number({ message: "limit must be a number" }).int("limit must be a whole number").min(1).max(1000).default(100),
});

const who = (c: Context<AppEnv>): AuditActor => ({ actor: c.get("actor") ?? ADMIN_TOKEN_ACTOR, requestId: c.get("requestId") });

const siteNotFound = (siteId: string) => new ApiError(404, "site_not_found", `No site ${siteId}.`);

export const siteRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .get("/", async (c) => {
    const { db } = await c.get("db")();
    return c.json({ sites: await listSites(db) });
  })
  .post("/", validate("json", newSiteSchema), async (c) => {
    const body = c.req.valid("json");
    const key = newSiteKey();
    const { db } = await c.get("db")();
    const hash = await sha256Hex(key);
    const created = await createSite(
      db,
      { siteId: body.site_id, name: body.name, timeZone: body.time_zone, maxStateSeconds: body.max_state_seconds, historyStart: body.history_start },
      hash,
      who(c),
    );
    if (!created) throw new ApiError(409, "site_exists", `Site ${body.site_id} exists; rotate its key instead.`);
    forgetFailedKey(hash);
    // The only time the key is shown: only its hash is stored.
    return c.json({ site_id: body.site_id, site_key: key }, 201);
  })
  .patch("/:siteId", requireJson, validate("json", settingsSchema), async (c) => {
    const siteId = c.req.param("siteId");
    const body = c.req.valid("json");
    const { db } = await c.get("db")();
    const site = await updateSiteSettings(db, siteId, { name: body.name, historyStart: body.history_start }, who(c));
    if (!site) throw siteNotFound(siteId);
    return c.json(site);
  })
  // The site and every row of it, in one transaction; the audit log keeps the record.
  .delete("/:siteId", async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const deleted = await deleteSite(db, siteId, who(c));
    if (!deleted) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, deleted });
  })
  .post("/:siteId/rotate-key", async (c) => {
    const siteId = c.req.param("siteId");
    const key = newSiteKey();
    const hash = await sha256Hex(key);
    const { db } = await c.get("db")();
    if (!(await rotateSiteKey(db, siteId, hash, who(c)))) throw siteNotFound(siteId);
    forgetFailedKey(hash);
    return c.json({ site_id: siteId, site_key: key });
  })
  // Refused at once by ingest and site-key reads; rotate-key issues a new key and lifts it.
  .post("/:siteId/revoke", async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const revoked = await revokeSiteKey(db, siteId, who(c));
    if (!revoked) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, revoked_at: revoked.revokedAt, already_revoked: revoked.alreadyRevoked });
  })
  .get("/:siteId/audit", validate("query", auditQuery), async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const { siteKnown, entries } = await listAudit(db, siteId, c.req.valid("query").limit);
    if (!siteKnown) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, entries });
  });
