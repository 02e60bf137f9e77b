import { sql } from "drizzle-orm";
import { eventTypes } from "../contract/event-types";
import { linkPurposes, siteRoles, userStatuses } from "../contract/auth";
import { isCountEvent, isKnownEventType } from "./event-kinds";
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";


const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const sites = pgTable("sites", {
  siteId: text("site_id").primaryKey(),
  name: text("name").notNull(),
  timeZone: text("time_zone").notNull().default("UTC"),
  // SHA-256 hex of the site's ingest key; the key itself is shown once and never stored.
  apiKeyHash: text("api_key_hash").notNull().unique(),
  // Longest a single state interval may last before the rest counts as `unknown`.
  maxStateSeconds: integer("max_state_seconds").notNull().default(600),
  // Events timestamped before this are refused: a camera whose clock reset to 2000 would otherwise
  // add decades of hours for the rollups to build (every hour after a worker's last state event
  // carries its unknown time). Set at creation (default: a year before it), changed by an admin.
  historyStart: tstz("history_start").notNull().default(sql`now() - interval '366 days'`),
  createdAt: tstz("created_at").notNull().defaultNow(),
  revokedAt: tstz("revoked_at"),
  // The rollup watermark: every hour before it is rolled up, in the format ROLLUP_FORMAT
  // (db/metrics/parts.ts); null, or another format, means nothing is. On the site row because
  // ingest locks this row FOR SHARE while the builder holds it FOR UPDATE: a batch that waited for
  // a build re-reads this row after it, and so sees the watermark the build moved.
  rollupsBuiltUntil: tstz("rollups_built_until"),
  rollupsFormat: integer("rollups_format"),
});

export const workers = pgTable(
  "workers",
  {
    siteId: text("site_id").notNull(),
    workerId: text("worker_id").notNull(),
    name: text("name"),
    firstSeenAt: tstz("first_seen_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.workerId] })],
);

export const workstations = pgTable(
  "workstations",
  {
    siteId: text("site_id").notNull(),
    workstationId: text("workstation_id").notNull(),
    name: text("name"),
    firstSeenAt: tstz("first_seen_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.workstationId] })],
);

export { eventTypes };

export const events = pgTable(
  "events",
  {
    siteId: text("site_id").notNull(),
    eventId: text("event_id").notNull(),
    ts: tstz("ts").notNull(),
    workerId: text("worker_id").notNull(),
    workstationId: text("workstation_id").notNull(),
    eventType: text("event_type", { enum: eventTypes }).notNull(),
    // real: 4 bytes of the biggest table, and sums of reals stay exact in float8 whatever their
    // order, so rollup-backed averages equal fresh ones. It cannot hold values between 0 and about
    // 1.2e-38; ingest refuses those (contract/events.ts).
    confidence: real("confidence").notNull(),
    count: integer("count"),
    modelVersion: text("model_version"),
    isLate: boolean("is_late").notNull().default(false),
    rawJson: jsonb("raw_json").notNull(),
    ingestedAt: tstz("ingested_at").notNull().defaultNow(),
  },
  (t) => [
    // Event ids are unique per site, so one site can never shadow another's events.
    primaryKey({ columns: [t.siteId, t.eventId] }),
    index("events_worker_ts_idx").on(t.siteId, t.workerId, t.ts),
    index("events_workstation_ts_idx").on(t.siteId, t.workstationId, t.ts),
    check("events_event_type_ck", isKnownEventType(t.eventType)),
    check("events_confidence_ck", sql`${t.confidence} between 0 and 1`),
    check(
      "events_count_ck",
      sql`(${isCountEvent(t.eventType)}) = (${t.count} is not null) and coalesce(${t.count}, 1) > 0`,
    ),
  ],
);

// Latest stored timestamp per worker/workstation pair: late detection reads one row per pair
// instead of scanning events.
export const eventStreams = pgTable(
  "event_streams",
  {
    siteId: text("site_id").notNull(),
    workerId: text("worker_id").notNull(),
    workstationId: text("workstation_id").notNull(),
    lastTs: tstz("last_ts").notNull(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.workerId, t.workstationId] })],
);

export const ingestionLog = pgTable(
  "ingestion_log",
  {
    siteId: text("site_id").notNull(),
    eventId: text("event_id").notNull(),
    firstSeenAt: tstz("first_seen_at").notNull().defaultNow(),
    lastSeenAt: tstz("last_seen_at").notNull().defaultNow(),
    timesSeen: integer("times_seen").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.eventId] })],
);

export const entityTypes = ["worker", "workstation", "factory"] as const;
export const recomputeStatuses = ["pending", "processing", "done", "failed"] as const;

export const recomputeRequests = pgTable(
  "recompute_requests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    siteId: text("site_id").notNull(),
    entityType: text("entity_type", { enum: entityTypes }).notNull(),
    // worker_id, workstation_id, or the site_id for the factory.
    entityId: text("entity_id").notNull(),
    windowStart: tstz("window_start").notNull(),
    windowEnd: tstz("window_end").notNull(),
    status: text("status", { enum: recomputeStatuses }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    // At most one pending request per entity: a burst of late events widens its window instead of
    // adding requests (db/ingest.ts).
    uniqueIndex("recompute_requests_pending_entity_uq")
      .on(t.siteId, t.entityType, t.entityId)
      .where(sql`status = 'pending'`),
    // The key a worker of the previous release names in its ON CONFLICT: kept for one release so
    // that worker can still ingest while a deploy is under way (migrations run first). Remove it in
    // the next one.
    uniqueIndex("recompute_requests_pending_uq")
      .on(t.siteId, t.entityType, t.entityId, t.windowStart, t.windowEnd)
      .where(sql`status = 'pending'`),
    index("recompute_requests_status_idx").on(t.status, t.updatedAt),
    check("recompute_requests_entity_type_ck", sql`${t.entityType} in ('worker', 'workstation', 'factory')`),
    check("recompute_requests_status_ck", sql`${t.status} in ('pending', 'processing', 'done', 'failed')`),
    check("recompute_requests_window_ck", sql`${t.windowStart} < ${t.windowEnd}`),
  ],
);

export const metricsCache = pgTable(
  "metrics_cache",
  {
    siteId: text("site_id").notNull(),
    entityType: text("entity_type", { enum: entityTypes }).notNull(),
    entityId: text("entity_id").notNull(),
    windowStart: tstz("window_start").notNull(),
    windowEnd: tstz("window_end").notNull(),
    metrics: jsonb("metrics").notNull(),
    computedAt: tstz("computed_at").notNull().defaultNow(),
    // The shape of `metrics`: a key derived from the metrics schemas (contract/cache-format.ts;
    // 1 to 3 were hand-bumped versions). Rows of another shape, such as those an older worker writes
    // while a deploy is under way or those written before a schema changed, are read as misses.
    format: integer("format").notNull().default(1),
  },
  (t) => [
    uniqueIndex("metrics_cache_key_uq").on(t.siteId, t.entityType, t.entityId, t.windowStart, t.windowEnd),
    // Ingest asks for the latest end of a site's closed windows; eviction walks a site's entries.
    index("metrics_cache_site_end_idx").on(t.siteId, t.windowEnd),
    check("metrics_cache_entity_type_ck", sql`${t.entityType} in ('worker', 'workstation', 'factory')`),
  ],
);

// What admins did to sites (created, key rotated or revoked, settings changed, deleted): kept after
// a site is deleted, so a deletion stays on record.
export const adminAuditLog = pgTable(
  "admin_audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: tstz("at").notNull().defaultNow(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    siteId: text("site_id"),
    requestId: text("request_id"),
    details: jsonb("details").notNull().default(sql`'{}'::jsonb`),
    // The client address the request came from (CF-Connecting-IP), where there is one.
    ip: text("ip"),
  },
  (t) => [
    index("admin_audit_log_site_at_idx").on(t.siteId, t.at),
    // Login throttling counts recent failures by action; the owner's log pages back by time.
    index("admin_audit_log_action_at_idx").on(t.action, t.at),
    index("admin_audit_log_at_idx").on(t.at),
  ],
);

// People who sign in to the dashboard. Owners see every site; everyone else sees the sites granted
// in user_sites. An invited user has no password until they redeem their invite link.
export const users = pgTable(
  "users",
  {
    userId: text("user_id").primaryKey().default(sql`gen_random_uuid()::text`),
    // Stored lower-cased (the API lower-cases what it is given), unique.
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    status: text("status", { enum: userStatuses }).notNull().default("invited"),
    owner: boolean("owner").notNull().default(false),
    // scrypt, with its parameters in the string (worker/auth/password.ts); null until a password is set.
    passwordHash: text("password_hash"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    lastLoginAt: tstz("last_login_at"),
  },
  (t) => [check("users_status_ck", sql`${t.status} in ('invited', 'active', 'disabled')`)],
);

export const userSites = pgTable(
  "user_sites",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.userId, { onDelete: "cascade" }),
    siteId: text("site_id").notNull(),
    role: text("role", { enum: siteRoles }).notNull(),
    // Per-worker pages and exports: managers always; viewers only when this is granted.
    workerDetail: boolean("worker_detail").notNull().default(false),
    grantedAt: tstz("granted_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.siteId] }),
    index("user_sites_site_idx").on(t.siteId),
    check("user_sites_role_ck", sql`${t.role} in ('manager', 'viewer')`),
  ],
);

// Sign-in sessions. Only the token's SHA-256 is stored; a session ends at expires_at (absolute),
// after SESSION_IDLE_SECONDS without use, or when revoked (logout, logout everywhere, user disabled,
// password reset).
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.userId, { onDelete: "cascade" }),
    createdAt: tstz("created_at").notNull().defaultNow(),
    lastSeenAt: tstz("last_seen_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    revokedAt: tstz("revoked_at"),
    method: text("method").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

// One-time invite and password-reset links; only the token's SHA-256 is stored.
export const authLinks = pgTable(
  "auth_links",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.userId, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: linkPurposes }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    expiresAt: tstz("expires_at").notNull(),
    usedAt: tstz("used_at"),
    createdBy: text("created_by").notNull(),
  },
  (t) => [index("auth_links_user_idx").on(t.userId)],
);

// Read-only API keys of one site for integrations and BI tools; only the key's SHA-256 is stored.
export const readKeys = pgTable(
  "read_keys",
  {
    keyId: text("key_id").primaryKey().default(sql`gen_random_uuid()::text`),
    siteId: text("site_id").notNull(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    workerDetail: boolean("worker_detail").notNull().default(false),
    createdAt: tstz("created_at").notNull().defaultNow(),
    createdBy: text("created_by").notNull(),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [index("read_keys_site_idx").on(t.siteId)],
);

// The previous release's rollup watermark, which an older worker still moves during a deploy:
// this code reads and writes sites.rollups_built_until instead. Remove in the next release.
export const rollupState = pgTable("rollup_state", {
  siteId: text("site_id").primaryKey(),
  builtUntil: tstz("built_until").notNull(),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
});

// Hourly rollups (db/metrics): a row for hour h is exactly the metrics computed fresh over
// [h, h + 1 hour), so summing rows over whole hours equals computing the span directly. Rows that
// would be all zero are not stored. Seconds are double precision (millisecond-exact inputs).
export const workerHourRollups = pgTable(
  "worker_hour_rollups",
  {
    siteId: text("site_id").notNull(),
    workerId: text("worker_id").notNull(),
    hour: tstz("hour").notNull(),
    workingSeconds: doublePrecision("working_seconds").notNull().default(0),
    idleSeconds: doublePrecision("idle_seconds").notNull().default(0),
    absentSeconds: doublePrecision("absent_seconds").notNull().default(0),
    unknownSeconds: doublePrecision("unknown_seconds").notNull().default(0),
    stationChanges: integer("station_changes").notNull().default(0),
    units: bigint("units", { mode: "number" }).notNull().default(0),
    events: integer("events").notNull().default(0),
    lateEvents: integer("late_events").notNull().default(0),
    confidenceSum: doublePrecision("confidence_sum").notNull().default(0),
    firstSeen: tstz("first_seen"),
    lastSeen: tstz("last_seen"),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.workerId, t.hour] }),
    index("worker_hour_rollups_site_hour_idx").on(t.siteId, t.hour),
  ],
);

export const workstationHourRollups = pgTable(
  "workstation_hour_rollups",
  {
    siteId: text("site_id").notNull(),
    workstationId: text("workstation_id").notNull(),
    hour: tstz("hour").notNull(),
    personWorkingSeconds: doublePrecision("person_working_seconds").notNull().default(0),
    // Time with at least one worker working here (union of working intervals).
    occupiedSeconds: doublePrecision("occupied_seconds").notNull().default(0),
    idleSeconds: doublePrecision("idle_seconds").notNull().default(0),
    absentSeconds: doublePrecision("absent_seconds").notNull().default(0),
    units: bigint("units", { mode: "number" }).notNull().default(0),
    events: integer("events").notNull().default(0),
    workersSeen: text("workers_seen").array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.workstationId, t.hour] }),
    index("workstation_hour_rollups_site_hour_idx").on(t.siteId, t.hour),
  ],
);
