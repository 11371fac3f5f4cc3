CREATE TYPE "public"."offline_sale_status" AS ENUM('pending', 'approved', 'rejected', 'reversed');--> statement-breakpoint
CREATE TABLE "category_daily_sales" (
	"category" "category" NOT NULL,
	"town_id" uuid NOT NULL,
	"day" date NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "category_daily_sales_category_town_id_day_pk" PRIMARY KEY("category","town_id","day")
);
--> statement-breakpoint
CREATE TABLE "daily_town_sales" (
	"town_id" uuid NOT NULL,
	"day" date NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"order_fen" bigint DEFAULT 0 NOT NULL,
	"offline_fen" bigint DEFAULT 0 NOT NULL,
	"import_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_town_sales_town_id_day_pk" PRIMARY KEY("town_id","day")
);
--> statement-breakpoint
CREATE TABLE "leaderboard_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"year" integer NOT NULL,
	"as_of" date NOT NULL,
	"payload" jsonb NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offline_sale_files" (
	"offline_sale_id" uuid NOT NULL,
	"file_name" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"original_name" text,
	CONSTRAINT "offline_sale_files_offline_sale_id_file_name_pk" PRIMARY KEY("offline_sale_id","file_name")
);
--> statement-breakpoint
CREATE TABLE "offline_sales" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"town_id" uuid NOT NULL,
	"cooperative_id" uuid,
	"buyer_org_id" uuid,
	"category" "category" NOT NULL,
	"amount_fen" bigint NOT NULL,
	"business_date" date NOT NULL,
	"invoice_no" text,
	"note" text,
	"status" "offline_sale_status" DEFAULT 'pending' NOT NULL,
	"decision_reason" text,
	"recorded_by" uuid NOT NULL,
	"recorded_by_org_id" uuid NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reversed_by" uuid,
	"reversed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "offline_sales_amount_positive" CHECK ("offline_sales"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "partner_daily_sales" (
	"buyer_org_id" uuid NOT NULL,
	"town_id" uuid NOT NULL,
	"day" date NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "partner_daily_sales_buyer_org_id_town_id_day_pk" PRIMARY KEY("buyer_org_id","town_id","day")
);
--> statement-breakpoint
CREATE TABLE "partner_tallies" (
	"buyer_org_id" uuid NOT NULL,
	"town_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "partner_tallies_buyer_org_id_town_id_year_pk" PRIMARY KEY("buyer_org_id","town_id","year")
);
--> statement-breakpoint
CREATE TABLE "sales_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_hash" text NOT NULL,
	"file_name" text NOT NULL,
	"row_count" integer NOT NULL,
	"added_rows" integer NOT NULL,
	"added_fen" bigint NOT NULL,
	"imported_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tally_reconciliations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ledger_rows" integer NOT NULL,
	"drift_rows" integer NOT NULL,
	"details" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "town_tallies" (
	"town_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "town_tallies_town_id_year_pk" PRIMARY KEY("town_id","year")
);
--> statement-breakpoint
ALTER TABLE "category_daily_sales" ADD CONSTRAINT "category_daily_sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "daily_town_sales" ADD CONSTRAINT "daily_town_sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leaderboard_snapshots" ADD CONSTRAINT "leaderboard_snapshots_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sale_files" ADD CONSTRAINT "offline_sale_files_offline_sale_id_offline_sales_id_fk" FOREIGN KEY ("offline_sale_id") REFERENCES "public"."offline_sales"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_recorded_by_org_id_orgs_id_fk" FOREIGN KEY ("recorded_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sales" ADD CONSTRAINT "offline_sales_reversed_by_users_id_fk" FOREIGN KEY ("reversed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_daily_sales" ADD CONSTRAINT "partner_daily_sales_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_daily_sales" ADD CONSTRAINT "partner_daily_sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD CONSTRAINT "partner_tallies_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_tallies" ADD CONSTRAINT "partner_tallies_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_imports" ADD CONSTRAINT "sales_imports_imported_by_users_id_fk" FOREIGN KEY ("imported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "town_tallies" ADD CONSTRAINT "town_tallies_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "category_daily_sales_day_index" ON "category_daily_sales" USING btree ("day");--> statement-breakpoint
CREATE INDEX "daily_town_sales_day_index" ON "daily_town_sales" USING btree ("day");--> statement-breakpoint
CREATE UNIQUE INDEX "leaderboard_snapshots_title_index" ON "leaderboard_snapshots" USING btree ("title");--> statement-breakpoint
CREATE INDEX "leaderboard_snapshots_created_at_index" ON "leaderboard_snapshots" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "offline_sales_status_created_at_index" ON "offline_sales" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "offline_sales_buyer_org_id_index" ON "offline_sales" USING btree ("buyer_org_id");--> statement-breakpoint
CREATE INDEX "partner_daily_sales_day_index" ON "partner_daily_sales" USING btree ("day");--> statement-breakpoint
CREATE INDEX "partner_tallies_town_id_year_index" ON "partner_tallies" USING btree ("town_id","year");--> statement-breakpoint
CREATE INDEX "sales_imports_file_hash_index" ON "sales_imports" USING btree ("file_hash");--> statement-breakpoint
CREATE INDEX "tally_reconciliations_finished_at_index" ON "tally_reconciliations" USING btree ("finished_at");