// How a route describes itself in the OpenAPI document: a hono-openapi describeRoute middleware
// built from the contract's response schema, who may call it, and the error codes it can answer.
// Parameters and request bodies come from the route's validate() middlewares, not from here.
import { describeRoute, resolver } from "hono-openapi";
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { errorEnvelopeSchema } from "../../contract/api";

/** Who may call a route; the API description's security requirement follows from it. */
export type Access = "public" | "admin" | "owner" | "session" | "site_key" | "site_read";

export const TAGS = {
  ingest: "Ingest",
  metrics: "Metrics",
  cached: "Cached metrics",
  timeline: "Timeline",
  models: "Models",
  sites: "Sites",
  auth: "Sign-in",
  users: "Users and keys",
  audit: "Audit log",
  ops: "Operations",
  docs: "Documentation",
} as const;
export type Tag = (typeof TAGS)[keyof typeof TAGS];

/** Every error code the API answers, its status and when. The README has the full story. */
export const ERROR_CODES = {
  validation_failed: [400, "a parameter or field is invalid; `details` names each"],
  invalid_json: [400, "the body is not JSON"],
  mixed_sites: [400, "events of several sites in one request"],
  invalid_characters: [400, "a string holds a NUL character or an unpaired surrogate"],
  extra_fields_too_deep: [400, "an extra field nests more than 16 levels"],
  site_required: [400, "a session token or the admin token was sent without `?site=`"],
  unauthorized: [401, "missing, unknown or revoked key or token, or a session that has ended"],
  invalid_credentials: [401, "the email or the password is wrong"],
  invalid_assertion: [401, "the Cloudflare Access token does not verify (signature, audience, issuer or expiry)"],
  admin_disabled: [403, "the deployment has no ADMIN_TOKEN"],
  forbidden: [403, "`?site=` names another site than the key's"],
  ingest_key_cannot_read: [403, "a site's ingest key was sent to a read endpoint; it can only send events"],
  worker_detail_forbidden: [403, "the credential may read factory and workstation figures, not per-worker data"],
  owner_only: [403, "only an owner (or the admin token) may do this"],
  session_required: [403, "this needs a user's session token"],
  account_disabled: [403, "the account is disabled"],
  no_such_user: [403, "no active user has the email the Cloudflare Access token names"],
  user_not_found: [404, "no such user"],
  link_invalid: [404, "the link is unknown, used or expired"],
  read_key_not_found: [404, "the site has no such read key"],
  sso_not_configured: [404, "Cloudflare Access is not configured (CF_ACCESS_TEAM_DOMAIN, CF_ACCESS_AUD)"],
  user_exists: [409, "a user has this email already"],
  last_owner: [409, "the change would leave no active owner"],
  site_mismatch: [403, "an event names another site than the key's"],
  site_not_found: [404, "no such site"],
  worker_not_found: [404, "the site has no such worker"],
  workstation_not_found: [404, "the site has no such workstation"],
  cache_miss: [404, "nothing cached for the window and `populate` is not true"],
  method_not_allowed: [405, "another method than POST (`Allow` names it)"],
  site_exists: [409, "the site id is taken"],
  too_many_events: [413, "more than 5,000 events"],
  payload_too_large: [413, "a body over 8 MB"],
  extra_fields_too_large: [413, "an event's extra fields take more than 16 KB"],
  unsupported_media_type: [415, "the body is not sent as application/json"],
  before_site_history: [422, "an event is older than the site's history_start; nothing was stored"],
  rate_limited: [429, "the site sent too many ingest requests; retry after `Retry-After` seconds"],
  too_many_bad_keys: [429, "this address sent too many invalid keys; retry after `Retry-After` seconds"],
  too_many_attempts: [429, "too many failed logins for the account or from the address; retry after `Retry-After` seconds"],
  internal_error: [500, "a bug; `details` holds the request id"],
  database_unavailable: [503, "the database is unreachable; retry after `Retry-After` seconds"],
} as const satisfies Record<string, readonly [number, string]>;
export type ErrorCode = keyof typeof ERROR_CODES;

export const SECURITY_SCHEMES = {
  siteKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "wpd_...",
    description: "A site's ingest key (`wpd_...`), issued by POST /api/sites or rotate-key. Ingest, and reads of that site.",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "The deployment's ADMIN_TOKEN: operations, sites, users, keys, and reads of any site with `?site=`.",
  },
  sessionToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "wpds_...",
    description: "A user's session (POST /api/auth/login): the sites and data the user's roles allow, named with `?site=`.",
  },
  readKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "wpdr_...",
    description: "A site's read key for integrations and BI tools: reads of that site; per-worker data only if the key was made with it.",
  },
} as const;

// OpenAPI security: alternatives are listed as separate requirements; an empty list means no auth.
const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  admin: [{ adminToken: [] }],
  owner: [{ sessionToken: [] }, { adminToken: [] }],
  session: [{ sessionToken: [] }],
  site_key: [{ siteKey: [] }],
  site_read: [{ sessionToken: [] }, { readKey: [] }, { adminToken: [] }],
};

const ACCESS_ERRORS: Record<Access, ErrorCode[]> = {
  public: [],
  admin: ["unauthorized", "admin_disabled"],
  owner: ["unauthorized", "owner_only"],
  session: ["unauthorized", "session_required"],
  site_key: ["unauthorized", "too_many_bad_keys"],
  site_read: ["site_required", "unauthorized", "forbidden", "ingest_key_cannot_read", "site_not_found", "too_many_bad_keys"],
};

// Read by requireSiteAccess rather than a route's validator, so described here.
const SITE_PARAMETER = {
  name: "site",
  in: "query",
  required: false,
  description: "The site to read: required with a session token or the admin token; with a read key, its own site or nothing.",
  schema: { type: "string" },
} as const;

// Described as input (zod's default here): an answer may gain fields, which a client should let pass.
const content = (schema: z.ZodType, media = "application/json") => ({ [media]: { schema: resolver(schema) } });

/** The answer a route documents for a status, as the OpenAPI test reads it back. */
export type Described = { access: Access; ok: z.ZodType; success: number[] };
const described = new WeakMap<object, Described>();

/** What a route handler describes, if it is an `operation()` middleware. */
export const describedBy = (handler: unknown): Described | undefined =>
  typeof handler === "function" ? described.get(handler) : undefined;

export function operation(spec: {
  tag: Tag;
  summary: string;
  description?: string;
  access: Access;
  /** The body of a successful answer. */
  ok: z.ZodType;
  /** Success statuses and what each means; 200 by default. */
  success?: Partial<Record<200 | 201, string>>;
  /** The codes this route answers besides those of its access and 500/503. */
  errors?: ErrorCode[];
  /** False for a route that never opens the database (no 503). */
  database?: boolean;
  /** The success body's media type: JSON unless said otherwise. */
  media?: "application/json" | "text/html";
}): MiddlewareHandler {
  const success = spec.success ?? { 200: "OK" };
  const codes: ErrorCode[] = [
    ...ACCESS_ERRORS[spec.access],
    ...(spec.errors ?? []),
    "internal_error",
    ...(spec.database === false ? [] : (["database_unavailable"] as const)),
  ];
  const responses: Record<string, { description: string; content: ReturnType<typeof content> }> = {};
  for (const [status, text] of Object.entries(success)) responses[status] = { description: text, content: content(spec.ok, spec.media) };
  for (const [status, text] of Object.entries(describeCodes(codes))) responses[status] = { description: text, content: content(errorEnvelopeSchema) };
  const middleware = describeRoute({
    tags: [spec.tag],
    summary: spec.summary,
    description: spec.description,
    security: SECURITY[spec.access],
    parameters: spec.access === "site_read" ? [SITE_PARAMETER] : undefined,
    responses,
  });
  described.set(middleware, { access: spec.access, ok: spec.ok, success: Object.keys(success).map(Number) });
  return middleware;
}

/** `{status: "`code`: when; `code`: when"}`, each code once. */
function describeCodes(codes: ErrorCode[]): Record<string, string> {
  const byStatus: Record<string, string[]> = {};
  for (const code of new Set(codes)) {
    const [status, when] = ERROR_CODES[code];
    (byStatus[status] ??= []).push(`\`${code}\`: ${when}`);
  }
  return Object.fromEntries(Object.entries(byStatus).map(([status, lines]) => [status, lines.join("; ")]));
}
