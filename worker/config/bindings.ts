import { z } from "zod";
import type { RecomputeMessage } from "../recompute/message";

// Every message reads after the variable's name ("DATABASE_URL is not set: …") and never quotes the
// value: DATABASE_URL and SENTRY_DSN hold credentials, and the `misconfigured` answer is public.

const notSet = (hint: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is not set: ${hint}` : "must be a string"),
});

function isPostgresUrl(s: string): boolean {
  try {
    return /^postgres(ql)?:$/.test(new URL(s).protocol);
  } catch {
    return false;
  }
}

// Sentry's own DSN grammar (protocol, public key, host, numeric project id). It accepts a bad DSN
// quietly, logs it whole (the key with it) and drops every event.
const SENTRY_DSN = /^https?:\/\/\w+(:\w*)?@[\w.-]+(:\d+)?\/([^/\s]+\/)*\d+$/;

// A bearer value with whitespace can never be sent (`Authorization: Bearer <one word>`); it is
// usually a secret pasted with its line break.
const ONE_WORD = /^\S+$/;

/**
 * A binding is recognised by the method the worker calls on it: that tells it from a var of the
 * same name, and lets a test double through.
 */
const binding = <T>(method: string, kind: string) =>
  z.custom<T>((v) => typeof (v as Record<string, unknown> | null)?.[method] === "function", {
    error: (issue) => (issue.input === undefined ? `is not set: the ${kind} binding from wrangler.toml` : `is not a ${kind} binding`),
  });

// A label for logs and Sentry (production, staging, development, ...): any short word will do.
const ENVIRONMENT_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The worker's bindings (wrangler.toml, secrets, and what dev, tests and benchmarks pass). */
export const bindingsSchema = z.object({
  /** Postgres connection string: a Neon database in production, the embedded one locally. */
  DATABASE_URL: z
    .string(notSet("the Postgres connection string; store it with `wrangler secret put DATABASE_URL`"))
    .refine(isPostgresUrl, "must be a postgres:// or postgresql:// URL"),
  /** host:port of the local WebSocket proxy; set only by `npm run dev` and the tests. */
  NEON_LOCAL_PROXY: z
    .string()
    .regex(/^([\w.-]+|\[[\da-fA-F:.]+\]):\d{1,5}$/, "must be host:port (the local WebSocket proxy; leave it unset for Neon)")
    .optional(),
  /** Bearer token for admin endpoints; unset (or empty) disables them. */
  ADMIN_TOKEN: z
    .string()
    .refine((s) => s === "" || ONE_WORD.test(s), "must not contain spaces or line breaks (a bearer token holding them can never be sent)")
    .optional(),
  /** Key given to the demo site when the seed creates it (local dev); random otherwise. */
  DEMO_SITE_KEY: z.string().regex(ONE_WORD, "must be one word without spaces or line breaks (it is sent as a bearer key)").optional(),
  /** Errors go to Sentry when set (empty counts as unset). */
  SENTRY_DSN: z
    .string()
    .refine((s) => s === "" || SENTRY_DSN.test(s), "must be a Sentry DSN, https://<public key>@<host>/<project id>")
    .optional(),
  /** Sentry's environment tag; wrangler.toml sets production. */
  ENVIRONMENT: z
    .string()
    .regex(ENVIRONMENT_LABEL, "must be one word of letters, digits, '.', '_' or '-' (e.g. production, staging)")
    .optional(),
  /**
   * Cloudflare Access single sign-on: the team domain (`myteam.cloudflareaccess.com`) and the
   * application's AUD tag. Both set turns it on; either alone is a mistake worth refusing.
   */
  CF_ACCESS_TEAM_DOMAIN: z.string().regex(/^(https?:\/\/)?[\w.-]+(:\d{1,5})?\/?$/, "must be a host such as myteam.cloudflareaccess.com").optional(),
  CF_ACCESS_AUD: z.string().regex(ONE_WORD, "must be the application's AUD tag (one word)").optional(),
  /** Days the audit log is kept (default 400). */
  AUDIT_RETENTION_DAYS: z.string().regex(/^[1-9]\d{0,4}$/, "must be a whole number of days, at least 1").optional(),
  /** The worker's own tests only: cheaper scrypt parameters (worker/auth/password.ts). */
  TEST_FAST_PASSWORD_HASHES: z.literal("true", { error: 'must be "true" or unset' }).optional(),
  RECOMPUTE: binding<Queue<RecomputeMessage>>("sendBatch", "queue producer"),
  /** Per-site ingest rate limit (`[[ratelimits]]`); optional so a config without it still runs. */
  INGEST_RATE_LIMIT: binding<RateLimit>("limit", "rate limiting").optional(),
  /**
   * Failed site-key checks per client address (`[[ratelimits]]`, worker/http/bad-key-throttle.ts);
   * optional so a config without it still runs (then nothing is throttled).
   */
  AUTH_FAILURE_RATE_LIMIT: binding<RateLimit>("limit", "rate limiting").optional(),
});

export type Bindings = z.infer<typeof bindingsSchema>;

/** Checks across variables: Access needs both of its settings. */
export const bindingsChecked = bindingsSchema.superRefine((b, ctx) => {
  // (A malformed ENVIRONMENT is reported on its own; this is about a missing one or another label.)
  if (b.TEST_FAST_PASSWORD_HASHES && b.ENVIRONMENT !== "test" && (b.ENVIRONMENT === undefined || ENVIRONMENT_LABEL.test(b.ENVIRONMENT))) {
    ctx.addIssue({ code: "custom", path: ["TEST_FAST_PASSWORD_HASHES"], message: "is for the test suite only (ENVIRONMENT=test): unset it" });
  }
  if (!!b.CF_ACCESS_TEAM_DOMAIN !== !!b.CF_ACCESS_AUD) {
    ctx.addIssue({
      code: "custom",
      path: [b.CF_ACCESS_TEAM_DOMAIN ? "CF_ACCESS_AUD" : "CF_ACCESS_TEAM_DOMAIN"],
      message: "is not set: Cloudflare Access needs both CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD",
    });
  }
});
