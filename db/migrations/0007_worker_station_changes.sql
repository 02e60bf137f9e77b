ALTER TABLE "worker_hour_rollups" ADD COLUMN "station_changes" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Rollup rows built before this release hold 0 station changes. Forgetting every site's watermark
-- makes the cron rebuild all rollup hours from each site's first event (a week per step, every
-- pass, until caught up); until then reads compute the unbuilt hours fresh, so no figure is wrong.
DELETE FROM "rollup_state";
