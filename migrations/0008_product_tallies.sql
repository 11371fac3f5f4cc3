CREATE TABLE "product_daily_sales" (
	"product_id" uuid NOT NULL,
	"town_id" uuid NOT NULL,
	"day" date NOT NULL,
	"amount_fen" bigint DEFAULT 0 NOT NULL,
	"row_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "product_daily_sales_product_id_town_id_day_pk" PRIMARY KEY("product_id","town_id","day")
);
--> statement-breakpoint
ALTER TABLE "product_daily_sales" ADD CONSTRAINT "product_daily_sales_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_daily_sales" ADD CONSTRAINT "product_daily_sales_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "product_daily_sales_day_index" ON "product_daily_sales" USING btree ("day");--> statement-breakpoint
CREATE INDEX "product_daily_sales_town_id_day_index" ON "product_daily_sales" USING btree ("town_id","day");--> statement-breakpoint
-- Backfill from the rows already tallied, so that the new tally equals its ledger rows at once.
INSERT INTO "product_daily_sales" ("product_id", "town_id", "day", "amount_fen", "row_count")
SELECT "product_id", "town_id", "business_date", sum("amount_fen"), count(*) FROM "sales"
WHERE "tallied_at" IS NOT NULL AND "product_id" IS NOT NULL GROUP BY 1, 2, 3;
