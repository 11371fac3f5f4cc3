ALTER TABLE "products" ADD COLUMN "photos" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "base_price_fen" bigint GENERATED ALWAYS AS (((price_tiers -> 0 ->> 'unitPriceFen')::bigint)) STORED;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "lowest_price_fen" bigint GENERATED ALWAYS AS (((price_tiers -> -1 ->> 'unitPriceFen')::bigint)) STORED;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "pending_revision" jsonb;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "coop_active" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "products_listed_newest_idx" ON "products" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "products"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "products_listed_town_category_idx" ON "products" USING btree ("town_id","category","base_price_fen") WHERE "products"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "products_listed_category_price_idx" ON "products" USING btree ("category","base_price_fen","id") WHERE "products"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "products_listed_price_idx" ON "products" USING btree ("base_price_fen","id") WHERE "products"."status" = 'listed';--> statement-breakpoint
CREATE INDEX "products_review_idx" ON "products" USING btree ("updated_at") WHERE "products"."status" = 'pending_review' or "products"."pending_revision" is not null;