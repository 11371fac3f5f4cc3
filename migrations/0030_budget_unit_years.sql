CREATE TABLE "budget_unit_years" (
	"year" integer NOT NULL,
	"buyer_org_id" uuid NOT NULL,
	"set_by" uuid,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_unit_years_year_buyer_org_id_pk" PRIMARY KEY("year","buyer_org_id")
);
--> statement-breakpoint
ALTER TABLE "budget_unit_years" ADD CONSTRAINT "budget_unit_years_buyer_org_id_orgs_id_fk" FOREIGN KEY ("buyer_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_unit_years" ADD CONSTRAINT "budget_unit_years_set_by_users_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The flag per org becomes a status per year. Today's budget units are budget units this year
-- (Asia/Shanghai) and last year, whose rankings listed them; any unit that declared for a year was
-- a budget unit then (saving a declaration required it), so that year keeps it too.
INSERT INTO "budget_unit_years" ("year", "buyer_org_id")
SELECT y.year, o.id FROM "orgs" o,
  (VALUES (extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int),
          (extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int - 1)) AS y("year")
WHERE o.kind = 'buyer' AND o.is_budget_unit
UNION
SELECT DISTINCT d.year, d.buyer_org_id FROM "unit_declarations" d;--> statement-breakpoint
ALTER TABLE "orgs" DROP COLUMN "is_budget_unit";