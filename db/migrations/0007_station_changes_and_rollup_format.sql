-- The rollup watermark moves to the site row, stamped with the rollup format of the code that
-- built it. Every site starts without one: the cron rebuilds its rollup hours (with the new
-- station_changes column) from its first event, a week per step; until then reads compute the
-- unbuilt hours from events. An older worker still running during the deploy moves only
-- rollup_state, which this code no longer reads, so hours it builds without the new column are
-- never taken for finished ones.
ALTER TABLE "sites" ADD COLUMN "rollups_built_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "rollups_format" integer;--> statement-breakpoint
ALTER TABLE "worker_hour_rollups" ADD COLUMN "station_changes" integer DEFAULT 0 NOT NULL;
