CREATE TABLE "unit_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"year" integer NOT NULL,
	"as_of" date NOT NULL,
	"payload" jsonb NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "unit_snapshots" ADD CONSTRAINT "unit_snapshots_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unit_snapshots_title_index" ON "unit_snapshots" USING btree ("title");--> statement-breakpoint
CREATE INDEX "unit_snapshots_created_at_index" ON "unit_snapshots" USING btree ("created_at");