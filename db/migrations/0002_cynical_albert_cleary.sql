CREATE TABLE "worker_hour_rollups" (
	"site_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"working_seconds" double precision DEFAULT 0 NOT NULL,
	"idle_seconds" double precision DEFAULT 0 NOT NULL,
	"absent_seconds" double precision DEFAULT 0 NOT NULL,
	"unknown_seconds" double precision DEFAULT 0 NOT NULL,
	"units" bigint DEFAULT 0 NOT NULL,
	"events" integer DEFAULT 0 NOT NULL,
	"late_events" integer DEFAULT 0 NOT NULL,
	"confidence_sum" double precision DEFAULT 0 NOT NULL,
	"first_seen" timestamp with time zone,
	"last_seen" timestamp with time zone,
	CONSTRAINT "worker_hour_rollups_site_id_worker_id_hour_pk" PRIMARY KEY("site_id","worker_id","hour")
);
--> statement-breakpoint
CREATE TABLE "workstation_hour_rollups" (
	"site_id" text NOT NULL,
	"workstation_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"person_working_seconds" double precision DEFAULT 0 NOT NULL,
	"occupied_seconds" double precision DEFAULT 0 NOT NULL,
	"idle_seconds" double precision DEFAULT 0 NOT NULL,
	"absent_seconds" double precision DEFAULT 0 NOT NULL,
	"unknown_seconds" double precision DEFAULT 0 NOT NULL,
	"units" bigint DEFAULT 0 NOT NULL,
	"events" integer DEFAULT 0 NOT NULL,
	"workers_seen" text[] DEFAULT '{}'::text[] NOT NULL,
	CONSTRAINT "workstation_hour_rollups_site_id_workstation_id_hour_pk" PRIMARY KEY("site_id","workstation_id","hour")
);
--> statement-breakpoint
CREATE INDEX "worker_hour_rollups_site_hour_idx" ON "worker_hour_rollups" USING btree ("site_id","hour");--> statement-breakpoint
CREATE INDEX "workstation_hour_rollups_site_hour_idx" ON "workstation_hour_rollups" USING btree ("site_id","hour");