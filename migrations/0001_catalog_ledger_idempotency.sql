CREATE TYPE "public"."category" AS ENUM('honey', 'fruit', 'poultry', 'herbs', 'grain_oil', 'tea', 'prepared_food', 'crafts', 'other');--> statement-breakpoint
CREATE TYPE "public"."listing_status" AS ENUM('draft', 'pending_review', 'listed', 'rejected', 'delisted');--> statement-breakpoint
CREATE TYPE "public"."sale_source" AS ENUM('order', 'offline', 'import');--> statement-breakpoint
CREATE TABLE "products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cooperative_id" uuid NOT NULL,
	"town_id" uuid NOT NULL,
	"category" "category" NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"description" text,
	"unit_label" text NOT NULL,
	"moq" integer DEFAULT 1 NOT NULL,
	"order_step" integer DEFAULT 1 NOT NULL,
	"stock" integer DEFAULT 0 NOT NULL,
	"lead_time_days" integer DEFAULT 3 NOT NULL,
	"certifications" text[] DEFAULT '{}'::text[] NOT NULL,
	"price_tiers" jsonb NOT NULL,
	"status" "listing_status" DEFAULT 'draft' NOT NULL,
	"rejection_reason" text,
	"is_demo" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_stock_nonneg" CHECK ("products"."stock" >= 0),
	CONSTRAINT "products_moq_positive" CHECK ("products"."moq" >= 1 and "products"."order_step" >= 1)
);
--> statement-breakpoint
CREATE TABLE "sales" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sales_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source" "sale_source" NOT NULL,
	"source_ref" text NOT NULL,
	"kind" text NOT NULL,
	"town_id" uuid NOT NULL,
	"buyer_org_id" uuid,
	"cooperative_id" uuid,
	"product_id" uuid,
	"category" "category" NOT NULL,
	"amount_fen" bigint NOT NULL,
	"business_date" date NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tallied_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"scope" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer NOT NULL,
	"response_body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_org_id_key_pk" PRIMARY KEY("org_id","key")
);
--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales" ADD CONSTRAINT "sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales" ADD CONSTRAINT "sales_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales" ADD CONSTRAINT "sales_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "products_cooperative_id_status_index" ON "products" USING btree ("cooperative_id","status");--> statement-breakpoint
CREATE INDEX "products_town_id_status_index" ON "products" USING btree ("town_id","status");--> statement-breakpoint
CREATE INDEX "products_category_status_index" ON "products" USING btree ("category","status");--> statement-breakpoint
CREATE UNIQUE INDEX "sales_source_ref_kind_key" ON "sales" USING btree ("source","source_ref","kind");--> statement-breakpoint
CREATE INDEX "sales_untallied_idx" ON "sales" USING btree ("id") WHERE "sales"."tallied_at" is null;--> statement-breakpoint
CREATE INDEX "sales_town_id_business_date_index" ON "sales" USING btree ("town_id","business_date");--> statement-breakpoint
CREATE INDEX "sales_buyer_org_id_business_date_index" ON "sales" USING btree ("buyer_org_id","business_date");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_index" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
-- The sales ledger is append-only: no deletes, and an update may only set tallied_at, once.
CREATE FUNCTION "sales_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'sales ledger rows are never deleted (append a reversing row instead)';
  END IF;
  IF (to_jsonb(NEW) - 'tallied_at') IS DISTINCT FROM (to_jsonb(OLD) - 'tallied_at')
     OR (OLD.tallied_at IS NOT NULL AND NEW.tallied_at IS DISTINCT FROM OLD.tallied_at) THEN
    RAISE EXCEPTION 'sales ledger rows are append-only (only tallied_at may be set, once)';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "sales_append_only" BEFORE UPDATE OR DELETE ON "sales" FOR EACH ROW EXECUTE FUNCTION "sales_append_only"();
