ALTER TABLE "products" ADD COLUMN "description_en" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "unit_spec" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "unit_label_en" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "unit_spec_en" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "certifications_en" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "unit_spec" text;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "unit_label_en" text;--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "unit_spec_en" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "orders_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100001 CACHE 1);