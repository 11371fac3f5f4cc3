CREATE TYPE "public"."stripe_call_kind" AS ENUM('refund', 'cancel_payment_intent');--> statement-breakpoint
CREATE TYPE "public"."stripe_call_status" AS ENUM('pending', 'succeeded', 'failed');--> statement-breakpoint
CREATE TABLE "stripe_calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "stripe_call_kind" NOT NULL,
	"purchase_id" uuid NOT NULL,
	"refund_id" uuid,
	"payment_intent_id" text NOT NULL,
	"amount_fen" bigint,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" "stripe_call_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"leased_until" timestamp with time zone,
	"last_error" text,
	"stripe_object_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "stripe_calls" ADD CONSTRAINT "stripe_calls_purchase_id_purchases_id_fk" FOREIGN KEY ("purchase_id") REFERENCES "public"."purchases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stripe_calls" ADD CONSTRAINT "stripe_calls_refund_id_refunds_id_fk" FOREIGN KEY ("refund_id") REFERENCES "public"."refunds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "stripe_calls_idempotency_key" ON "stripe_calls" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "stripe_calls_pending" ON "stripe_calls" USING btree ("created_at") WHERE "stripe_calls"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "stripe_calls_purchase_id_index" ON "stripe_calls" USING btree ("purchase_id");