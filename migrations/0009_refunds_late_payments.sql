ALTER TABLE "refunds" ALTER COLUMN "order_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "purchase_id" uuid;--> statement-breakpoint
-- Hand-added: existing rows are order refunds; their purchase is the order's.
UPDATE "refunds" SET "purchase_id" = "orders"."purchase_id" FROM "orders" WHERE "orders"."id" = "refunds"."order_id";--> statement-breakpoint
ALTER TABLE "refunds" ALTER COLUMN "purchase_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "refunds" ADD COLUMN "stripe_payment_intent_id" text;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_purchase_id_purchases_id_fk" FOREIGN KEY ("purchase_id") REFERENCES "public"."purchases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_late_payment_key" ON "refunds" USING btree ("stripe_payment_intent_id") WHERE "refunds"."order_id" is null;--> statement-breakpoint
CREATE INDEX "refunds_purchase_id_index" ON "refunds" USING btree ("purchase_id");--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_or_late_payment" CHECK ("refunds"."order_id" is not null or "refunds"."stripe_payment_intent_id" is not null);