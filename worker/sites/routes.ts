import { Hono, type Context } from "hono";
import { z } from "zod";
import { listAudit, type AuditActor } from "../../db/audit";
import { createReadKey, listReadKeys, revokeReadKey } from "../../db/auth/read-keys";
import { createSite, deleteSite, getSite, listSites, revokeSiteKey, rotateSiteKey, updateSiteSettings } from "../../db/sites";
import type { AppEnv } from "../env";
import { ADMIN_TOKEN_ACTOR, requireOwner } from "../http/auth";
import { clientIp, forgetFailedKey } from "../http/bad-key-throttle";
import { ApiError } from "../http/errors";
import { isStorableText } from "../http/storable-text";
import { siteIdParam } from "../http/path-params";
import { requireJson, validate } from "../http/validate";
import { sha256Hex } from "../lib/sha256";
import { newToken } from "../http/credentials";
import { NO_STORE } from "../http/security-headers";
import { createdReadKeySchema, newReadKeySchema, READ_KEY_PREFIX, readKeyListSchema, readKeySchema } from "../../contract/auth";
import { operation, TAGS } from "../openapi/describe";
import {
  auditLogSchema,
  siteDeletedSchema,
  siteKeySchema,
  siteListSchema,
  siteRevokedSchema,
  siteSettingsSchema,
  type Site,
} from "../../contract/sites";
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
}).meta({ id: "NewSite" });

// Only these two settings change after creation: the time zone and the gap cap are baked into
// rollups and cached metrics.
const settingsSchema = z
  .strictObject({ name: siteName.optional(), history_start: historyStart.optional() })
  .refine((b) => b.name !== undefined || b.history_start !== undefined, "send name and/or history_start")
  .meta({ id: "SiteSettingsChange" });

const auditQuery = z.object({
  limit: z.coerce
    .number({ message: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1)
    .max(1000)
    .default(100)
    .meta({ description: "How many entries, newest first." }),
});

const who = (c: Context<AppEnv>): AuditActor => ({ actor: c.get("actor") ?? ADMIN_TOKEN_ACTOR, requestId: c.get("requestId"), ip: clientIp(c) });

const siteNotFound = (siteId: string) => new ApiError(404, "site_not_found", `No site ${siteId}.`);

/** A listed site as the API answers it (contract/sites.ts). */
const siteView = (s: Awaited<ReturnType<typeof listSites>>[number]): Site => ({
  site_id: s.siteId,
  name: s.name,
  time_zone: s.timeZone,
  max_state_seconds: s.maxStateSeconds,
  history_start: s.historyStart.toISOString(),
  created_at: s.createdAt.toISOString(),
  revoked: s.revoked,
});

const readKeyListing = operation({ tag: TAGS.users, summary: "A site's read keys (never the keys themselves)", access: "owner", ok: readKeyListSchema, errors: ["site_not_found"] });
const readKeyCreation = operation({
  tag: TAGS.users,
  summary: "A new read key for integrations and BI tools (shown this once)",
  access: "owner",
  ok: createdReadKeySchema,
  success: { 201: "Created; only the key's SHA-256 is stored" },
  errors: ["validation_failed", "invalid_json", "unsupported_media_type", "site_not_found"],
});
const readKeyRevocation = operation({
  tag: TAGS.users,
  summary: "Revokes a read key: refused from then on",
  access: "owner",
  ok: readKeySchema,
  errors: ["read_key_not_found"],
});
const readKeyParam = validate(
  "param",
  z.object({
    siteId: z.string().min(1).meta({ description: "The site's id.", examples: ["plant-7"] }),
    keyId: z.string().min(1).meta({ description: "The read key's id.", examples: ["0b9e4d2c-7a15-4f3e-8c61-5d2a9f7b3e08"] }),
  }),
);

const listing = operation({ tag: TAGS.sites, summary: "Every site, with its settings", access: "owner", ok: siteListSchema });
const creation = operation({
  tag: TAGS.sites,
  summary: "Creates a site and answers its key, shown this once",
  access: "owner",
  ok: siteKeySchema,
  success: { 201: "Created; only the key's SHA-256 is stored" },
  errors: ["validation_failed", "invalid_json", "site_exists"],
});
const settings = operation({
  tag: TAGS.sites,
  summary: "Changes a site's name and/or history_start, and answers what changed",
  access: "owner",
  ok: siteSettingsSchema,
  errors: ["validation_failed", "invalid_json", "site_not_found", "unsupported_media_type"],
});
const deletion = operation({
  tag: TAGS.sites,
  summary: "Deletes a site and all its rows in one transaction; the audit log keeps the record",
  access: "owner",
  ok: siteDeletedSchema,
  errors: ["site_not_found"],
});
const rotation = operation({
  tag: TAGS.sites,
  summary: "Issues a new key (shown this once); the old one is refused from then on",
  access: "owner",
  ok: siteKeySchema,
  errors: ["site_not_found"],
});
const revocation = operation({
  tag: TAGS.sites,
  summary: "Refuses the site's ingest key from now on (its read keys stay: revoke them on their own)",
  access: "owner",
  ok: siteRevokedSchema,
  errors: ["site_not_found"],
});
const audit = operation({
  tag: TAGS.sites,
  summary: "What admins did to the site, newest first (kept after a deletion)",
  access: "owner",
  ok: auditLogSchema,
  errors: ["validation_failed", "site_not_found"],
});

export const siteRoutes = new Hono<AppEnv>()
  .use(requireOwner)
  .get("/", listing, async (c) => {
    const { db } = await c.get("db")();
    // With the previous release's names too, for one release (contract/sites.ts).
    const sites = (await listSites(db)).map(siteView);
    return c.json({ sites: sites.map((s) => ({ ...s, siteId: s.site_id, timeZone: s.time_zone, maxStateSeconds: s.max_state_seconds })) });
  })
  .post("/", creation, validate("json", newSiteSchema), async (c) => {
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
  .patch("/:siteId", settings, siteIdParam, requireJson, validate("json", settingsSchema), async (c) => {
    const siteId = c.req.param("siteId");
    const body = c.req.valid("json");
    const { db } = await c.get("db")();
    const site = await updateSiteSettings(db, siteId, { name: body.name, historyStart: body.history_start }, who(c));
    if (!site) throw siteNotFound(siteId);
    return c.json(site);
  })
  // The site and every row of it, in one transaction; the audit log keeps the record.
  .delete("/:siteId", deletion, siteIdParam, async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const deleted = await deleteSite(db, siteId, who(c));
    if (!deleted) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, deleted });
  })
  .post("/:siteId/rotate-key", rotation, siteIdParam, async (c) => {
    const siteId = c.req.param("siteId");
    const key = newSiteKey();
    const hash = await sha256Hex(key);
    const { db } = await c.get("db")();
    if (!(await rotateSiteKey(db, siteId, hash, who(c)))) throw siteNotFound(siteId);
    forgetFailedKey(hash);
    return c.json({ site_id: siteId, site_key: key });
  })
  // Refused at once by ingest; rotate-key issues a new key and lifts it.
  .post("/:siteId/revoke", revocation, siteIdParam, async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const revoked = await revokeSiteKey(db, siteId, who(c));
    if (!revoked) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, revoked_at: revoked.revokedAt, already_revoked: revoked.alreadyRevoked });
  })
  .get("/:siteId/audit", audit, siteIdParam, validate("query", auditQuery), async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    const { siteKnown, entries } = await listAudit(db, siteId, c.req.valid("query").limit);
    if (!siteKnown) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, entries });
  })
  .get("/:siteId/read-keys", readKeyListing, siteIdParam, async (c) => {
    const siteId = c.req.param("siteId");
    const { db } = await c.get("db")();
    if (!(await getSite(db, siteId))) throw siteNotFound(siteId);
    return c.json({ site_id: siteId, keys: await listReadKeys(db, siteId) });
  })
  .post("/:siteId/read-keys", readKeyCreation, siteIdParam, requireJson, validate("json", newReadKeySchema), async (c) => {
    const siteId = c.req.param("siteId");
    const body = c.req.valid("json");
    const key = newToken(READ_KEY_PREFIX);
    const { db } = await c.get("db")();
    const created = await createReadKey(db, siteId, { name: body.name, workerDetail: body.worker_detail, keyHash: await sha256Hex(key) }, who(c));
    if (!created) throw siteNotFound(siteId);
    // The only time the key is shown: only its hash is stored.
    return c.json({ ...created, key }, 201, NO_STORE);
  })
  .delete("/:siteId/read-keys/:keyId", readKeyRevocation, readKeyParam, async (c) => {
    const { siteId, keyId } = c.req.valid("param");
    const { db } = await c.get("db")();
    const revoked = await revokeReadKey(db, siteId, keyId, who(c));
    if (!revoked) throw new ApiError(404, "read_key_not_found", `Site ${siteId} has no read key ${keyId}.`);
    return c.json(revoked);
  });
