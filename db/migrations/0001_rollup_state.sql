CREATE TABLE "rollup_state" (
	"site_id" text PRIMARY KEY NOT NULL,
	"built_until" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
