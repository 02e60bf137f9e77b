-- The factory's hourly series gained idle and absent seconds: cached entries are derived data in
-- the old shape, so they are dropped and recomputed on their next read.
DELETE FROM "metrics_cache";--> statement-breakpoint
ALTER TABLE "metrics_cache" ADD CONSTRAINT "metrics_cache_entity_type_ck" CHECK ("metrics_cache"."entity_type" in ('worker', 'workstation', 'factory'));--> statement-breakpoint
ALTER TABLE "recompute_requests" ADD CONSTRAINT "recompute_requests_entity_type_ck" CHECK ("recompute_requests"."entity_type" in ('worker', 'workstation', 'factory'));--> statement-breakpoint
ALTER TABLE "recompute_requests" ADD CONSTRAINT "recompute_requests_status_ck" CHECK ("recompute_requests"."status" in ('pending', 'processing', 'done', 'failed'));--> statement-breakpoint
ALTER TABLE "recompute_requests" ADD CONSTRAINT "recompute_requests_window_ck" CHECK ("recompute_requests"."window_start" < "recompute_requests"."window_end");