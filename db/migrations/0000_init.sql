CREATE TABLE "event_streams" (
	"site_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"workstation_id" text NOT NULL,
	"last_ts" timestamp with time zone NOT NULL,
	CONSTRAINT "event_streams_site_id_worker_id_workstation_id_pk" PRIMARY KEY("site_id","worker_id","workstation_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"site_id" text NOT NULL,
	"event_id" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"worker_id" text NOT NULL,
	"workstation_id" text NOT NULL,
	"event_type" text NOT NULL,
	"confidence" real NOT NULL,
	"count" integer,
	"model_version" text,
	"is_late" boolean DEFAULT false NOT NULL,
	"raw_json" jsonb NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_site_id_event_id_pk" PRIMARY KEY("site_id","event_id"),
	CONSTRAINT "events_event_type_ck" CHECK ("events"."event_type" in ('working', 'idle', 'absent', 'product_count')),
	CONSTRAINT "events_confidence_ck" CHECK ("events"."confidence" between 0 and 1),
	CONSTRAINT "events_count_ck" CHECK (("events"."event_type" = 'product_count') = ("events"."count" is not null) and coalesce("events"."count", 1) > 0)
);
--> statement-breakpoint
CREATE TABLE "ingestion_log" (
	"site_id" text NOT NULL,
	"event_id" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"times_seen" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "ingestion_log_site_id_event_id_pk" PRIMARY KEY("site_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "metrics_cache" (
	"site_id" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"metrics" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recompute_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"site_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"api_key_hash" text NOT NULL,
	"max_state_seconds" integer DEFAULT 600 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "sites_api_key_hash_unique" UNIQUE("api_key_hash")
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"site_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"name" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workers_site_id_worker_id_pk" PRIMARY KEY("site_id","worker_id")
);
--> statement-breakpoint
CREATE TABLE "workstations" (
	"site_id" text NOT NULL,
	"workstation_id" text NOT NULL,
	"name" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workstations_site_id_workstation_id_pk" PRIMARY KEY("site_id","workstation_id")
);
--> statement-breakpoint
CREATE INDEX "events_worker_ts_idx" ON "events" USING btree ("site_id","worker_id","ts");--> statement-breakpoint
CREATE INDEX "events_workstation_ts_idx" ON "events" USING btree ("site_id","workstation_id","ts");--> statement-breakpoint
CREATE UNIQUE INDEX "metrics_cache_key_uq" ON "metrics_cache" USING btree ("site_id","entity_type","entity_id","window_start","window_end");--> statement-breakpoint
CREATE UNIQUE INDEX "recompute_requests_pending_uq" ON "recompute_requests" USING btree ("site_id","entity_type","entity_id","window_start","window_end") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "recompute_requests_status_idx" ON "recompute_requests" USING btree ("status","updated_at");