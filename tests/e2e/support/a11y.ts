import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** axe-core's browser bundle, injected into the page under test (the package runs in the page, not in Node). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
  /** The offending elements' markup, cut short: what a failure message needs to find them. */
  html: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page as it is now and returns the violations whose
 * impact is serious or critical, each with the selectors of the offending nodes.
 */
export async function seriousA11yViolations(page: Page): Promise<A11yViolation[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') forbids an inline tag.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] }[];
    }
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
        html: v.nodes.map((n) => n.html.slice(0, 160)),
      }));
  });
}
