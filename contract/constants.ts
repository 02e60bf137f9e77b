// Limits and defaults of the API that the browser needs too. No zod here: the dashboard's client
// bundle imports this module, and the schemas that enforce these values import it as well.

/** Longest window a metrics request may ask for. */
export const MAX_WINDOW_DAYS = 93;

/** Events per bulk request. */
export const MAX_BULK_EVENTS = 5_000;

/** The smallest positive confidence stored: the smallest normal 4-byte float (events.confidence is `real`). */
export const MIN_CONFIDENCE = 1.1754943508222875e-38;
export const MIN_CONFIDENCE_TEXT = "1.2e-38";

/** A model version needs this many events of its own in the baseline window to be its own baseline. */
export const MIN_BASELINE_EVENTS = 30;
/** Drift: the p-value under which a difference counts, and the smallest effect (KS distance) that matters. */
export const DEFAULT_THRESHOLD = 0.01;
export const DEFAULT_MIN_EFFECT = 0.1;
/** Confidence histograms have this many equal bins on [0, 1]. */
export const HISTOGRAM_BINS = 10;

/** A dashboard session ends after this long without a request... */
export const SESSION_IDLE_SECONDS = 8 * 3600;
/** ...and this long after sign-in whatever happens. */
export const SESSION_MAX_SECONDS = 7 * 86_400;
/** One-time links: an invite lasts a week, a password reset a day. */
export const INVITE_LINK_SECONDS = 7 * 86_400;
export const RESET_LINK_SECONDS = 86_400;
/** Login throttling: failed logins counted over this window, per account and per client address. */
export const LOGIN_THROTTLE_SECONDS = 15 * 60;
export const LOGIN_FAILURES_PER_ACCOUNT = 5;
export const LOGIN_FAILURES_PER_ADDRESS = 30;
/** The audit log is kept this long unless AUDIT_RETENTION_DAYS says otherwise. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
