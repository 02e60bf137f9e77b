// What the admin endpoints under /api/sites answer: snake_case like every other body of the API.
// The dashboard reads the listing for its site's time zone.
import { z } from "zod";

const iso = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

/** A site as listed: its settings and whether its key is revoked. The key itself is never shown again. */
export const siteSchema = z
  .object({
    site_id: z.string(),
    name: z.string(),
    /** IANA time zone: local days and shifts of the dashboard. */
    time_zone: z.string(),
    /** Longest a state interval lasts before the rest is `unknown`. */
    max_state_seconds: z.number().int().positive(),
    /** Events timestamped before this are refused. */
    history_start: iso,
    created_at: iso,
    revoked: z.boolean(),
  })
  .meta({ id: "Site" });

/**
 * The camelCase names the listing had before it was snake_case, repeated for one release so that
 * a dashboard (or a client) of the previous release keeps working through an upgrade. Deprecated:
 * to be removed in the next release.
 */
const previousNamesOptional = { siteId: true, timeZone: true, maxStateSeconds: true } as const;
const previousNames = {
  siteId: z.string().meta({ deprecated: true, description: "Deprecated: site_id." }),
  timeZone: z.string().meta({ deprecated: true, description: "Deprecated: time_zone." }),
  maxStateSeconds: z.number().int().positive().meta({ deprecated: true, description: "Deprecated: max_state_seconds." }),
};

export const siteListSchema = z
  .object({ sites: z.array(siteSchema.extend(previousNames).partial(previousNamesOptional)) })
  .meta({ id: "SiteList" });

/** The key, shown once: on creation and on rotation (only its SHA-256 is stored). */
export const siteKeySchema = z.object({ site_id: z.string(), site_key: z.string() }).meta({ id: "SiteKey" });

const change = z.object({ from: z.unknown(), to: z.unknown() });

/** The answer to PATCH: the site's settings after the change, and what changed. */
export const siteSettingsSchema = siteSchema
  .omit({ created_at: true })
  .extend({
    /** The fields whose value this call changed: `{field: {from, to}}`. */
    changes: z.record(z.string(), change),
  })
  .meta({ id: "SiteSettings" });

export const siteRevokedSchema = z
  .object({ site_id: z.string(), revoked_at: iso, already_revoked: z.boolean() })
  .meta({ id: "SiteRevoked" });

/** Rows deleted with the site, per table (`sites` is 1). */
export const siteDeletedSchema = z
  .object({ site_id: z.string(), deleted: z.record(z.string(), count) })
  .meta({ id: "SiteDeleted" });

/** What admins do to sites; each is one row of admin_audit_log. */
export const auditActions = [
  "site_created",
  "key_rotated",
  "key_revoked",
  "settings_changed",
  "site_deleted",
  // Accounts and access (contract/auth.ts).
  "login",
  "login_failed",
  "logout",
  "sessions_revoked",
  "export",
  "user_created",
  "user_changed",
  "site_granted",
  "site_grant_revoked",
  "link_created",
  "password_set",
  "read_key_created",
  "read_key_revoked",
] as const;

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: iso,
    /** `admin-token` (the credential, not a person), `user:<email>`, or `read-key:<id>`. */
    actor: z.string(),
    action: z.enum(auditActions),
    site_id: z.string().nullable(),
    /** The X-Request-Id of the request that made the change. */
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    /** The client address (CF-Connecting-IP) where the request had one. */
    ip: z.string().nullable(),
  })
  .meta({ id: "AuditEntry" });

export const auditEntriesSchema = z.object({ entries: z.array(auditEntrySchema) }).meta({ id: "AuditEntries" });

export const auditLogSchema = z.object({ site_id: z.string(), entries: z.array(auditEntrySchema) }).meta({ id: "AuditLog" });

export type Site = z.infer<typeof siteSchema>;
export type SiteSettings = z.infer<typeof siteSettingsSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
