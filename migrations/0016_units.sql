CREATE TYPE "public"."unit_kind" AS ENUM('agency', 'institution', 'soe', 'union', 'other');--> statement-breakpoint
CREATE TYPE "public"."declaration_status" AS ENUM('draft', 'submitted', 'approved', 'returned');--> statement-breakpoint
CREATE TABLE "unit_declarations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"buyer_org_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"version" integer NOT NULL,
	"status" "declaration_status" DEFAULT 'draft' NOT NULL,
	"total_fen" bigint NOT NULL,
	"ratio_bp" integer NOT NULL,
	"canteen_outsourced" boolean DEFAULT false NOT NULL,
	"shared_canteen_org_id" uuid,
	"note" text,
	"return_reason" text,
	"created_by" uuid NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unit_declarations_total_nonneg" CHECK ("unit_declarations"."total_fen" >= 0),
	CONSTRAINT "unit_declarations_ratio" CHECK ("unit_declarations"."ratio_bp" between 0 and 10000)
);
--> statement-breakpoint
CREATE TABLE "unit_year_settings" (
	"year" integer PRIMARY KEY NOT NULL,
	"min_ratio_bp" integer DEFAULT 1000 NOT NULL,
	"declaration_deadline" date,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unit_year_settings_ratio" CHECK ("unit_year_settings"."min_ratio_bp" between 0 and 10000)
);
--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "unit_kind" "unit_kind";--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "is_budget_unit" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "unit_declarations" ADD CONSTRAINT "unit_declarations_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_declarations" ADD CONSTRAINT "unit_declarations_shared_canteen_org_id_orgs_id_fk" FOREIGN KEY ("shared_canteen_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_declarations" ADD CONSTRAINT "unit_declarations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_declarations" ADD CONSTRAINT "unit_declarations_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_declarations" ADD CONSTRAINT "unit_declarations_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_year_settings" ADD CONSTRAINT "unit_year_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unit_declarations_buyer_org_id_year_version_index" ON "unit_declarations" USING btree ("buyer_org_id","year","version");--> statement-breakpoint
CREATE INDEX "unit_declarations_year_status_index" ON "unit_declarations" USING btree ("year","status");