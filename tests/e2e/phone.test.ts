import { describe, expect, it } from 'vitest';
import { loginAs, MOBILE, newPage, screenshotOnFailure } from './support/browser';
import { misfits } from './support/fit';
import { layoutProblems } from './support/layout';
import { LOGIN, openSettled, pagesOf, type Role, useStartDemoData } from './support/pages';
import { saveShot } from './support/shots';
import { useStackAndBrowser } from './support/suite';

/**
 * Every page of the web app, as each kind of user opens it on a 390 × 844 phone, in both languages:
 * no table whose last columns start off screen, nothing past the right edge, no sideways scroll
 * (support/fit.ts says what counts); and on the narrow lines, no figure broken where one line would
 * hold it, no chart figures drawn over each other, no tag touching its neighbour (support/layout.ts).
 * The main journeys (roles.test.ts) check the fit on the pages they pass through; this walks the rest.
 * A page with a finding leaves its screenshot under test-results/pages/.
 */
const suite = useStackAndBrowser();

const sql = useStartDemoData(suite);

const ROLES: Role[] = ['visitor', 'buyer', 'coop', 'office'];
const LOCALES = ['zh-CN', 'en'] as const;
/** Some thirty pages, each opened and left to load its data: well past the default 90 s on two busy cores. */
const WALK_TIMEOUT_MS = 600_000;

describe('every page fits a phone (390 px)', () => {
  for (const locale of LOCALES)
    for (const role of ROLES)
      it(
        `the ${role}'s pages: nothing cut off or past the edge, figures whole, chips apart (${locale})`,
        async () => {
          const { context, page } = await newPage(suite.browser, suite.stack.baseUrl, { viewport: MOBILE, locale });
          screenshotOnFailure(page, `phone-${role}-${locale}`);
          const email = LOGIN[role];
          if (email) {
            await loginAs(page, email);
            await page.waitForSelector('[data-test=user-menu]');
          }
          const found: Record<string, string[]> = {};
          for (const path of await pagesOf(role, sql)) {
            await openSettled(page, path);
            // What does not fit, and what reads wrong on a phone's narrow lines (support/layout.ts).
            const misfit = [
              ...(await misfits(page)),
              ...(await layoutProblems(page)).map((p) => `${p.kind}: ${p.text}${p.other ? ` / ${p.other}` : ''}`),
            ];
            if (misfit.length === 0) continue;
            found[path] = misfit;
            await saveShot(page, `phone-misfit-${role}-${locale}${path.replace(/\//g, '-')}`);
          }
          expect(found).toEqual({});
          await context.close();
        },
        WALK_TIMEOUT_MS,
      );
});
