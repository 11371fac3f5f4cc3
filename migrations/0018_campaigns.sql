CREATE TYPE "public"."campaign_reattribution_status" AS ENUM('pending', 'done');--> statement-breakpoint
CREATE TABLE "campaign_partner_tallies" (
	"campaign_id" uuid NOT NULL,
	"buyer_org_id" uuid NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_partner_tallies_campaign_id_buyer_org_id_pk" PRIMARY KEY("campaign_id","buyer_org_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_reattributions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"status" "campaign_reattribution_status" DEFAULT 'pending' NOT NULL,
	"requested_by" uuid,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb NOT NULL,
	"finished_at" timestamp with time zone,
	"added_rows" integer,
	"removed_rows" integer,
	"added_fen" bigint,
	"removed_fen" bigint
);
--> statement-breakpoint
CREATE TABLE "campaign_sales" (
	"campaign_id" uuid NOT NULL,
	"sale_id" bigint NOT NULL,
	"reattribution_id" uuid,
	"attributed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_sales_campaign_id_sale_id_pk" PRIMARY KEY("campaign_id","sale_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_town_tallies" (
	"campaign_id" uuid NOT NULL,
	"town_id" uuid NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_town_tallies_campaign_id_town_id_pk" PRIMARY KEY("campaign_id","town_id")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"town_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"categories" "category"[] DEFAULT '{}'::category[] NOT NULL,
	"product_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"target_fen" bigint,
	"banner_zh" text DEFAULT '' NOT NULL,
	"banner_en" text DEFAULT '' NOT NULL,
	"is_demo" boolean DEFAULT false NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_dates_ordered" CHECK ("campaigns"."starts_on" <= "campaigns"."ends_on"),
	CONSTRAINT "campaigns_target_nonnegative" CHECK ("campaigns"."target_fen" is null or "campaigns"."target_fen" >= 0)
);
--> statement-breakpoint
ALTER TABLE "campaign_partner_tallies" ADD CONSTRAINT "campaign_partner_tallies_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_partner_tallies" ADD CONSTRAINT "campaign_partner_tallies_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_reattributions" ADD CONSTRAINT "campaign_reattributions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_reattributions" ADD CONSTRAINT "campaign_reattributions_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sales" ADD CONSTRAINT "campaign_sales_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sales" ADD CONSTRAINT "campaign_sales_sale_id_sales_id_fk" FOREIGN KEY ("sale_id") REFERENCES "public"."sales"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_town_tallies" ADD CONSTRAINT "campaign_town_tallies_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_town_tallies" ADD CONSTRAINT "campaign_town_tallies_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaign_reattributions_campaign_id_requested_at_index" ON "campaign_reattributions" USING btree ("campaign_id","requested_at");--> statement-breakpoint
CREATE INDEX "campaign_reattributions_status_index" ON "campaign_reattributions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "campaign_sales_sale_id_index" ON "campaign_sales" USING btree ("sale_id");--> statement-breakpoint
CREATE INDEX "campaigns_starts_on_ends_on_index" ON "campaigns" USING btree ("starts_on","ends_on");