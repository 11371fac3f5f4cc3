import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from './support/a11y';
import { atRest, loginAs, newPage, screenshotOnFailure } from './support/browser';
import { LOGIN, openSettled, pagesOf, type Role, useStartDemoData } from './support/pages';
import { useStackAndBrowser } from './support/suite';

/**
 * Every page of the web app passes axe (WCAG 2.1 A and AA, serious and critical), as each kind of
 * user opens it on a desktop, in both languages, with the demo data `npm start` has, so that every
 * table has rows. roles.test.ts runs axe on the main journeys with their dialogs and forms open;
 * this walks the rest, as phone.test.ts does for fit.
 */
const suite = useStackAndBrowser();

const sql = useStartDemoData(suite);

const ROLES: Role[] = ['visitor', 'buyer', 'coop', 'office'];
const LOCALES = ['zh-CN', 'en'] as const;
/** Some thirty pages, each opened, left to load its data and read by axe. */
const WALK_TIMEOUT_MS = 600_000;

describe('every page passes axe', () => {
  for (const locale of LOCALES)
    for (const role of ROLES)
      it(
        `the ${role}'s pages (${locale})`,
        async () => {
          const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { locale });
          screenshotOnFailure(page, `a11y-${role}-${locale}`);
          const email = LOGIN[role];
          if (email) {
            await loginAs(page, email);
            await page.waitForSelector('[data-test=user-menu]');
          }
          const found: Record<string, unknown> = {};
          for (const path of await pagesOf(role, sql)) {
            await openSettled(page, path);
            await atRest(page);
            const violations = await seriousA11yViolations(page);
            if (violations.length > 0) found[path] = violations;
          }
          expect(found).toEqual({});
          await context.close();
        },
        WALK_TIMEOUT_MS,
      );
});
