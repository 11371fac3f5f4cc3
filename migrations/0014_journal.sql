CREATE TYPE "public"."journal_account" AS ENUM('platform_bank', 'card_clearing', 'buyer_funds_held', 'coop_payable_pending', 'coop_payable_available', 'fee_revenue', 'refunds_payable', 'bank_charges');--> statement-breakpoint
CREATE TYPE "public"."journal_entry_kind" AS ENUM('payment', 'acceptance', 'refund', 'late_payment_refund', 'bank_charge', 'payout', 'reversal');--> statement-breakpoint
CREATE TABLE "account_balances" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "account_balances_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account" "journal_account" NOT NULL,
	"org_id" uuid,
	"bank_ref" text,
	"debit_fen" bigint DEFAULT 0 NOT NULL,
	"credit_fen" bigint DEFAULT 0 NOT NULL,
	"line_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_balances_key" UNIQUE NULLS NOT DISTINCT("account","org_id","bank_ref")
);
--> statement-breakpoint
CREATE TABLE "fee_rates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cooperative_id" uuid,
	"category" "category",
	"rate_bps" integer NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fee_rates_scope_key" UNIQUE NULLS NOT DISTINCT("cooperative_id","category"),
	CONSTRAINT "fee_rates_one_scope" CHECK (("fee_rates"."cooperative_id" is null) <> ("fee_rates"."category" is null)),
	CONSTRAINT "fee_rates_range" CHECK ("fee_rates"."rate_bps" >= 0 and "fee_rates"."rate_bps" <= 10000)
);
--> statement-breakpoint
CREATE TABLE "journal_entries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "journal_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" "journal_entry_kind" NOT NULL,
	"source_type" text NOT NULL,
	"source_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"reverses_entry_id" bigint,
	"memo" text,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journal_lines" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "journal_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"entry_id" bigint NOT NULL,
	"account" "journal_account" NOT NULL,
	"org_id" uuid,
	"bank_ref" text,
	"order_id" uuid,
	"debit_fen" bigint DEFAULT 0 NOT NULL,
	"credit_fen" bigint DEFAULT 0 NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "journal_lines_one_side" CHECK (("journal_lines"."debit_fen" > 0 and "journal_lines"."credit_fen" = 0) or ("journal_lines"."credit_fen" > 0 and "journal_lines"."debit_fen" = 0))
);
--> statement-breakpoint
CREATE TABLE "journal_reconciliations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"journal_lines" integer NOT NULL,
	"drift_rows" integer NOT NULL,
	"details" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "money_settings" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"auto_accept_days" integer DEFAULT 7 NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "money_settings_single" CHECK ("money_settings"."id"),
	CONSTRAINT "money_settings_days" CHECK ("money_settings"."auto_accept_days" between 1 and 60)
);
--> statement-breakpoint
ALTER TABLE "account_balances" ADD CONSTRAINT "account_balances_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fee_rates" ADD CONSTRAINT "fee_rates_cooperative_id_orgs_id_fk" FOREIGN KEY ("cooperative_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fee_rates" ADD CONSTRAINT "fee_rates_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_lines" ADD CONSTRAINT "journal_lines_entry_id_journal_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."journal_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_lines" ADD CONSTRAINT "journal_lines_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "money_settings" ADD CONSTRAINT "money_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "journal_entries_idempotency_key" ON "journal_entries" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "journal_entries_source_type_source_id_index" ON "journal_entries" USING btree ("source_type","source_id");--> statement-breakpoint
CREATE INDEX "journal_lines_entry_id_index" ON "journal_lines" USING btree ("entry_id");--> statement-breakpoint
CREATE INDEX "journal_lines_account_org_id_id_index" ON "journal_lines" USING btree ("account","org_id","id");--> statement-breakpoint
CREATE INDEX "journal_lines_payouts_idx" ON "journal_lines" USING btree ("org_id","occurred_at") WHERE "journal_lines"."account" = 'coop_payable_available' and "journal_lines"."debit_fen" > 0;--> statement-breakpoint
CREATE INDEX "journal_reconciliations_finished_at_index" ON "journal_reconciliations" USING btree ("finished_at");