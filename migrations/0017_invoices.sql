CREATE TYPE "public"."invoice_document_kind" AS ENUM('blue', 'red');--> statement-breakpoint
CREATE TYPE "public"."invoice_kind" AS ENUM('normal', 'special');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('requested', 'issued', 'red_letter_required', 'voided');--> statement-breakpoint
CREATE TABLE "org_addresses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"address" text NOT NULL,
	"contact_name" text NOT NULL,
	"contact_phone" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoice_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"kind" "invoice_document_kind" NOT NULL,
	"invoice_no" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"file_name" text NOT NULL,
	"mime" text NOT NULL,
	"size" integer NOT NULL,
	"issued_by" uuid NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoice_documents_sign" CHECK (("invoice_documents"."kind" = 'blue') = ("invoice_documents"."amount_fen" > 0))
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"buyer_org_id" uuid NOT NULL,
	"cooperative_id" uuid NOT NULL,
	"kind" "invoice_kind" NOT NULL,
	"status" "invoice_status" DEFAULT 'requested' NOT NULL,
	"title" text NOT NULL,
	"tax_id" text NOT NULL,
	"address" text,
	"phone" text,
	"bank_name" text,
	"bank_account" text,
	"requested_by" uuid NOT NULL,
	"red_letter_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "invoice_address" text;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "invoice_phone" text;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "invoice_bank" text;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "invoice_bank_account" text;--> statement-breakpoint
ALTER TABLE "org_addresses" ADD CONSTRAINT "org_addresses_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_documents" ADD CONSTRAINT "invoice_documents_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoice_documents" ADD CONSTRAINT "invoice_documents_issued_by_users_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "org_addresses_org_id_index" ON "org_addresses" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "org_addresses_one_default_key" ON "org_addresses" USING btree ("org_id") WHERE "org_addresses"."is_default";--> statement-breakpoint
CREATE INDEX "invoice_documents_invoice_id_issued_at_index" ON "invoice_documents" USING btree ("invoice_id","issued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_order_key" ON "invoices" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "invoices_cooperative_id_status_index" ON "invoices" USING btree ("cooperative_id","status");--> statement-breakpoint
CREATE INDEX "invoices_buyer_org_id_index" ON "invoices" USING btree ("buyer_org_id");--> statement-breakpoint
CREATE INDEX "invoices_status_created_at_index" ON "invoices" USING btree ("status","created_at");