// Accounts, sessions, roles, read keys and the audit log: what the API takes and answers.
// The dashboard (app/), the worker and the tests all read these; nothing here is written twice.
import { z } from "zod";

const iso = z.iso.datetime({ offset: true });

/** A site role. Owners are not a site role: an owner sees every site (`owner: true` on the user). */
export const siteRoles = ["manager", "viewer"] as const;
export type SiteRole = (typeof siteRoles)[number];

export const userStatuses = ["invited", "active", "disabled"] as const;

/** Credential prefixes: the worker tells a session from a read key from an ingest key by them. */
export const SESSION_TOKEN_PREFIX = "wpds_";
export const READ_KEY_PREFIX = "wpdr_";
/** One-time invite and reset links; the dashboard's page for one is /links/<token>. */
export const LINK_TOKEN_PREFIX = "wpdl_";

/** A slow enough password is the user's job; a long enough one is checked here. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "email must be an email address" }));

const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must have at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must have at most ${PASSWORD_MAX_LENGTH} characters`);

const personName = z.string().trim().min(1, "name must not be empty").max(200);

export const loginRequestSchema = z.object({ email, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) }).meta({ id: "LoginRequest" });
export const accessLoginRequestSchema = z
  .object({ assertion: z.string().min(1).max(16_384).meta({ description: "The Cf-Access-Jwt-Assertion header's value." }) })
  .meta({ id: "AccessLoginRequest" });

/** A site the user may open, with what they may see there. */
export const grantedSiteSchema = z
  .object({
    site_id: z.string(),
    name: z.string(),
    time_zone: z.string(),
    /** `owner` for an owner (every site), else the granted role. */
    role: z.enum(["owner", ...siteRoles]),
    /** Per-worker pages, metrics and exports. */
    worker_detail: z.boolean(),
  })
  .meta({ id: "GrantedSite" });

export const meSchema = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), owner: z.boolean() }),
    sites: z.array(grantedSiteSchema),
    session: z.object({ expires_at: iso, idle_expires_at: iso }),
  })
  .meta({ id: "Me" });

export const sessionSchema = z
  .object({
    /** The bearer credential for the API; the dashboard keeps it in a signed, HttpOnly cookie. */
    token: z.string(),
    me: meSchema,
  })
  .meta({ id: "Session" });

export const revokedSessionsSchema = z.object({ revoked: z.number().int() }).meta({ id: "RevokedSessions" });

export const linkPurposes = ["invite", "reset"] as const;

/** A one-time link: shown to the owner once, redeemed by the user to set a password. */
export const oneTimeLinkSchema = z
  .object({ token: z.string(), purpose: z.enum(linkPurposes), expires_at: iso })
  .meta({ id: "OneTimeLink" });

export const linkInfoSchema = z
  .object({ purpose: z.enum(linkPurposes), email: z.string(), name: z.string(), expires_at: iso })
  .meta({ id: "LinkInfo" });

export const redeemLinkSchema = z.object({ password }).meta({ id: "RedeemLink" });
export const redeemedSchema = z.object({ email: z.string() }).meta({ id: "Redeemed" });

export const userGrantSchema = z.object({ site_id: z.string(), role: z.enum(siteRoles), worker_detail: z.boolean() });

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(userStatuses),
    owner: z.boolean(),
    created_at: iso,
    last_login_at: iso.nullable(),
    sites: z.array(userGrantSchema),
  })
  .meta({ id: "User" });

export const userListSchema = z.object({ users: z.array(userSchema) }).meta({ id: "UserList" });

export const newUserSchema = z
  .object({ email, name: personName, owner: z.boolean().default(false) })
  .meta({ id: "NewUser" });

export const createdUserSchema = z.object({ user: userSchema, link: oneTimeLinkSchema }).meta({ id: "CreatedUser" });

export const userChangeSchema = z
  .strictObject({ name: personName.optional(), status: z.enum(["active", "disabled"]).optional(), owner: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, "send name, status and/or owner")
  .meta({ id: "UserChange" });

export const grantRequestSchema = z
  .object({
    role: z.enum(siteRoles),
    /** Managers always have it; a viewer sees per-worker data only when granted. */
    worker_detail: z.boolean().default(false),
  })
  .meta({ id: "GrantRequest" });

export const readKeySchema = z
  .object({
    id: z.string(),
    site_id: z.string(),
    name: z.string(),
    worker_detail: z.boolean(),
    created_at: iso,
    revoked_at: iso.nullable(),
  })
  .meta({ id: "ReadKey" });

export const newReadKeySchema = z
  .object({ name: personName, worker_detail: z.boolean().default(false) })
  .meta({ id: "NewReadKey" });

export const createdReadKeySchema = readKeySchema.extend({ key: z.string() }).meta({ id: "CreatedReadKey" });
export const readKeyListSchema = z.object({ site_id: z.string(), keys: z.array(readKeySchema) }).meta({ id: "ReadKeyList" });

export type Me = z.infer<typeof meSchema>;
export type GrantedSite = z.infer<typeof grantedSiteSchema>;
export type User = z.infer<typeof userSchema>;
export type ReadKey = z.infer<typeof readKeySchema>;
export type OneTimeLink = z.infer<typeof oneTimeLinkSchema>;
