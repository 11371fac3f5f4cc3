CREATE TYPE "public"."bank_row_state" AS ENUM('matched_auto', 'matched_manual', 'unmatched', 'refund_marked', 'ignored');--> statement-breakpoint
CREATE TYPE "public"."bank_unmatched_reason" AS ENUM('no_reference', 'unknown_reference', 'amount_mismatch', 'already_paid', 'not_payable');--> statement-breakpoint
CREATE TABLE "bank_statement_rows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"statement_id" uuid NOT NULL,
	"bank_txn_id" text NOT NULL,
	"txn_date" date NOT NULL,
	"payer_name" text NOT NULL,
	"payer_account" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"memo" text NOT NULL,
	"reference" text,
	"state" "bank_row_state" NOT NULL,
	"unmatched_reason" "bank_unmatched_reason",
	"purchase_id" uuid,
	"decision_note" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_statement_rows_amount_positive" CHECK ("bank_statement_rows"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "bank_statements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_hash" text NOT NULL,
	"file_name" text NOT NULL,
	"row_count" integer NOT NULL,
	"added_rows" integer NOT NULL,
	"matched_rows" integer NOT NULL,
	"uploaded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bank_statement_rows" ADD CONSTRAINT "bank_statement_rows_statement_id_bank_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."bank_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statement_rows" ADD CONSTRAINT "bank_statement_rows_purchase_id_purchases_id_fk" FOREIGN KEY ("purchase_id") REFERENCES "public"."purchases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statement_rows" ADD CONSTRAINT "bank_statement_rows_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_statements" ADD CONSTRAINT "bank_statements_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bank_statement_rows_bank_txn_id_key" ON "bank_statement_rows" USING btree ("bank_txn_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bank_statement_rows_matched_purchase_key" ON "bank_statement_rows" USING btree ("purchase_id") WHERE state in ('matched_auto', 'matched_manual');--> statement-breakpoint
CREATE INDEX "bank_statement_rows_state_txn_date_index" ON "bank_statement_rows" USING btree ("state","txn_date");--> statement-breakpoint
CREATE INDEX "bank_statement_rows_statement_id_index" ON "bank_statement_rows" USING btree ("statement_id");--> statement-breakpoint
CREATE INDEX "bank_statement_rows_amount_fen_index" ON "bank_statement_rows" USING btree ("amount_fen");--> statement-breakpoint
CREATE INDEX "bank_statements_created_at_index" ON "bank_statements" USING btree ("created_at");