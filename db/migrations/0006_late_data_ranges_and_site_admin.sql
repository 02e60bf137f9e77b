CREATE TABLE "admin_audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"site_id" text,
	"request_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "history_start" timestamp with time zone DEFAULT now() - interval '366 days' NOT NULL;--> statement-breakpoint
-- Existing sites: a year before they were created, or their oldest event if that is older.
UPDATE "sites" s SET "history_start" = least(s.created_at - interval '366 days', coalesce((SELECT min(e.ts) FROM events e WHERE e.site_id = s.site_id), s.created_at));--> statement-breakpoint
CREATE INDEX "admin_audit_log_site_at_idx" ON "admin_audit_log" USING btree ("site_id","at");--> statement-breakpoint
CREATE INDEX "metrics_cache_site_end_idx" ON "metrics_cache" USING btree ("site_id","window_end");--> statement-breakpoint
-- One pending request per entity from now on: merge the windows of any duplicates into the oldest
-- (the lock keeps a worker of the previous release from adding one before the index exists).
LOCK TABLE recompute_requests IN SHARE ROW EXCLUSIVE MODE;--> statement-breakpoint
WITH merged AS (
	SELECT site_id, entity_type, entity_id, min(id) AS keep, min(window_start) AS ws, max(window_end) AS we
	FROM recompute_requests WHERE status = 'pending' GROUP BY 1, 2, 3 HAVING count(*) > 1
), closed AS (
	UPDATE recompute_requests r SET status = 'done', updated_at = now()
	FROM merged m
	WHERE r.status = 'pending' AND r.site_id = m.site_id AND r.entity_type = m.entity_type AND r.entity_id = m.entity_id AND r.id <> m.keep
)
UPDATE recompute_requests r SET window_start = m.ws, window_end = m.we FROM merged m WHERE r.id = m.keep;--> statement-breakpoint
CREATE UNIQUE INDEX "recompute_requests_pending_entity_uq" ON "recompute_requests" USING btree ("site_id","entity_type","entity_id") WHERE status = 'pending';