CREATE TABLE "bank_charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bank_ref" text DEFAULT 'default' NOT NULL,
	"bank_txn_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"booked_on" date NOT NULL,
	"memo" text DEFAULT '' NOT NULL,
	"entry_id" bigint NOT NULL,
	"recorded_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_charges_txn_key" UNIQUE("bank_ref","bank_txn_id"),
	CONSTRAINT "bank_charges_positive" CHECK ("bank_charges"."amount_fen" > 0)
);
--> statement-breakpoint
ALTER TABLE "bank_charges" ADD CONSTRAINT "bank_charges_entry_id_journal_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."journal_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bank_charges" ADD CONSTRAINT "bank_charges_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bank_charges_booked_on_created_at_id_index" ON "bank_charges" USING btree ("booked_on","created_at","id");