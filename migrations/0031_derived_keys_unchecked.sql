ALTER TABLE "partner_daily_sales" DROP CONSTRAINT "partner_daily_sales_buyer_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "partner_daily_sales" DROP CONSTRAINT "partner_daily_sales_town_id_towns_id_fk";
--> statement-breakpoint
ALTER TABLE "partner_tallies" DROP CONSTRAINT "partner_tallies_buyer_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "partner_tallies" DROP CONSTRAINT "partner_tallies_town_id_towns_id_fk";
--> statement-breakpoint
ALTER TABLE "campaign_partner_tallies" DROP CONSTRAINT "campaign_partner_tallies_campaign_id_campaigns_id_fk";
--> statement-breakpoint
ALTER TABLE "campaign_partner_tallies" DROP CONSTRAINT "campaign_partner_tallies_buyer_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "campaign_sales" DROP CONSTRAINT "campaign_sales_campaign_id_campaigns_id_fk";
--> statement-breakpoint
ALTER TABLE "campaign_sales" DROP CONSTRAINT "campaign_sales_sale_id_sales_id_fk";
