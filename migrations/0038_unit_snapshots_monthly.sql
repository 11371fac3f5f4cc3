ALTER TABLE "unit_snapshots" ALTER COLUMN "created_by" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "unit_snapshots" ADD COLUMN "period" text;--> statement-breakpoint
CREATE UNIQUE INDEX "unit_snapshots_period_index" ON "unit_snapshots" USING btree ("period");