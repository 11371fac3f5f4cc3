CREATE TYPE "public"."payout_account_status" AS ENUM('pending', 'active', 'superseded', 'rejected', 'withdrawn');--> statement-breakpoint
CREATE TYPE "public"."payout_status" AS ENUM('pending', 'paid', 'bounced', 'voided');--> statement-breakpoint
CREATE TYPE "public"."settlement_cadence" AS ENUM('weekly', 'monthly', 'on_demand');--> statement-breakpoint
CREATE TYPE "public"."settlement_status" AS ENUM('issued', 'voided');--> statement-breakpoint
ALTER TYPE "public"."journal_entry_kind" ADD VALUE 'payout_bounce';--> statement-breakpoint
CREATE TABLE "payout_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cooperative_id" uuid NOT NULL,
	"status" "payout_account_status" DEFAULT 'pending' NOT NULL,
	"account_name" text NOT NULL,
	"bank_name" text NOT NULL,
	"branch" text NOT NULL,
	"account_no" text NOT NULL,
	"requested_by" uuid NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reject_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"settlement_id" uuid NOT NULL,
	"statement_id" uuid NOT NULL,
	"cooperative_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"amount_fen" bigint NOT NULL,
	"status" "payout_status" DEFAULT 'pending' NOT NULL,
	"payout_account_id" uuid NOT NULL,
	"account_name" text NOT NULL,
	"bank_name" text NOT NULL,
	"branch" text NOT NULL,
	"account_no" text NOT NULL,
	"bank_reference" text,
	"bank_charge_fen" bigint DEFAULT 0 NOT NULL,
	"paid_by" uuid,
	"paid_at" timestamp with time zone,
	"bounced_at" timestamp with time zone,
	"bounce_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payouts_positive" CHECK ("payouts"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "settlement_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "settlement_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"statement_id" uuid NOT NULL,
	"entry_id" bigint NOT NULL,
	"kind" "journal_entry_kind" NOT NULL,
	"order_id" uuid,
	"gross_fen" bigint NOT NULL,
	"fee_fen" bigint NOT NULL,
	"net_fen" bigint NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settlement_statements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"settlement_id" uuid NOT NULL,
	"cooperative_id" uuid NOT NULL,
	"opening_fen" bigint NOT NULL,
	"closing_fen" bigint NOT NULL,
	"accepted_fen" bigint NOT NULL,
	"fees_fen" bigint NOT NULL,
	"refunds_fen" bigint NOT NULL,
	"payouts_fen" bigint NOT NULL,
	"adjustments_fen" bigint NOT NULL,
	"owed_fen" bigint NOT NULL,
	"payout_fen" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text NOT NULL,
	"cadence" "settlement_cadence" NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" "settlement_status" DEFAULT 'issued' NOT NULL,
	"statement_count" integer DEFAULT 0 NOT NULL,
	"payout_total_fen" bigint DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"voided_by" uuid,
	"voided_at" timestamp with time zone,
	"void_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settlements_period" CHECK ("settlements"."start_at" < "settlements"."end_at" and "settlements"."period_start" <= "settlements"."period_end")
);
--> statement-breakpoint
ALTER TABLE "payout_accounts" ADD CONSTRAINT "payout_accounts_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_accounts" ADD CONSTRAINT "payout_accounts_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_accounts" ADD CONSTRAINT "payout_accounts_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_settlement_id_settlements_id_fk" FOREIGN KEY ("settlement_id") REFERENCES "public"."settlements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_statement_id_settlement_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."settlement_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_payout_account_id_payout_accounts_id_fk" FOREIGN KEY ("payout_account_id") REFERENCES "public"."payout_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_paid_by_users_id_fk" FOREIGN KEY ("paid_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_items" ADD CONSTRAINT "settlement_items_statement_id_settlement_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."settlement_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_statements" ADD CONSTRAINT "settlement_statements_settlement_id_settlements_id_fk" FOREIGN KEY ("settlement_id") REFERENCES "public"."settlements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_statements" ADD CONSTRAINT "settlement_statements_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_voided_by_users_id_fk" FOREIGN KEY ("voided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payout_accounts_active_key" ON "payout_accounts" USING btree ("cooperative_id") WHERE "payout_accounts"."status" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "payout_accounts_pending_key" ON "payout_accounts" USING btree ("cooperative_id") WHERE "payout_accounts"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "payout_accounts_status_created_at_index" ON "payout_accounts" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payouts_statement_key" ON "payouts" USING btree ("statement_id");--> statement-breakpoint
CREATE INDEX "payouts_status_created_at_index" ON "payouts" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "payouts_cooperative_id_status_index" ON "payouts" USING btree ("cooperative_id","status");--> statement-breakpoint
CREATE INDEX "settlement_items_statement_id_occurred_at_index" ON "settlement_items" USING btree ("statement_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "settlement_statements_key" ON "settlement_statements" USING btree ("settlement_id","cooperative_id");--> statement-breakpoint
CREATE INDEX "settlement_statements_cooperative_id_index" ON "settlement_statements" USING btree ("cooperative_id");--> statement-breakpoint
CREATE UNIQUE INDEX "settlements_number_key" ON "settlements" USING btree ("number");--> statement-breakpoint
CREATE INDEX "settlements_status_end_at_index" ON "settlements" USING btree ("status","end_at");