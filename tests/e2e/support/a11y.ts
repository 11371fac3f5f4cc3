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
 * Element Plus draws a table's outer rules (and the line under a row of tabs) as absolutely placed
 * pseudo-elements over the whole table. Axe cannot tell what lies behind a pseudo-element, so it left
 * the contrast of every text in every table undecided (an "incomplete", not a violation): a pale
 * button in a table passed unseen. These rules are hidden while axe reads the page; no text stands on them.
 */
const TABLE_RULES = `.el-table__inner-wrapper::before, .el-table__inner-wrapper::after,
  .el-table--border::before, .el-table--border::after,
  .el-tabs__nav-wrap::after { content: none !important; }`;
/**
 * Text set on a drawing, which axe cannot read and which is checked by hand instead: the login page's
 * mountains (LoginView.vue says the colours).
 */
const DRAWINGS = '.login .art';

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page as it is now and returns the violations whose
 * impact is serious or critical, each with the selectors of the offending nodes. A table's text is
 * checked too (see TABLE_RULES), and a text whose contrast axe could not decide because of a
 * pseudo-element behind it is returned as `color-contrast-undecided`: should Element Plus draw its
 * rules under other names, the walk says so instead of passing every table's text unread.
 */
export async function seriousA11yViolations(page: Page): Promise<A11yViolation[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') forbids an inline tag.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    async ({ tableRules, drawings }) => {
      const style = document.createElement('style');
      style.textContent = tableRules;
      document.head.append(style);
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<AxeResults> } }).axe;
      interface AxeResult {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: string[]; html: string; any: { data?: { messageKey?: string } | null }[] }[];
      }
      interface AxeResults {
        violations: AxeResult[];
        incomplete: AxeResult[];
      }
      const result = await axe
        .run(document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
          resultTypes: ['violations', 'incomplete'],
        })
        .finally(() => style.remove());
      const undecided = result.incomplete
        .filter((r) => r.id === 'color-contrast')
        .map((r) => ({
          ...r,
          id: 'color-contrast-undecided',
          impact: 'serious',
          help: 'Text whose contrast axe could not decide: a pseudo-element lies behind it',
          nodes: r.nodes.filter(
            (n) =>
              n.any.some((c) => c.data?.messageKey === 'pseudoContent') &&
              !document.querySelector(n.target.join(' '))?.closest(drawings),
          ),
        }))
        .filter((r) => r.nodes.length > 0);
      return [...result.violations, ...undecided]
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.map((n) => n.target.join(' ')),
          html: v.nodes.map((n) => n.html.slice(0, 160)),
        }));
    },
    { tableRules: TABLE_RULES, drawings: DRAWINGS },
  );
}

/**
 * The shown inputs inside `scope` (an open dialog or message box) whose name is not text the reader
 * can see: their own label, an aria-labelledby target, or the label of their form item. A placeholder
 * or an aria-label names a field for a screen reader only. Returns their markup, cut short.
 */
export async function inputsWithoutVisibleLabel(page: Page, scope: string): Promise<string[]> {
  return page.locator(scope).evaluate((root) => {
    const shown = (el: Element | null | undefined) =>
      !!el && (el as HTMLElement).getClientRects().length > 0 && (el.textContent ?? '').trim() !== '';
    return [...root.querySelectorAll<HTMLInputElement>('input:not([type=hidden]), textarea, select')]
      .filter((f) => f.getClientRects().length > 0)
      .filter((f) => {
        if ([...(f.labels ?? [])].some(shown)) return false;
        const by = f.getAttribute('aria-labelledby')?.split(/\s+/) ?? [];
        if (by.some((id) => shown(document.getElementById(id)))) return false;
        return !shown(f.closest('.el-form-item')?.querySelector('.el-form-item__label'));
      })
      .map((f) => f.outerHTML.slice(0, 160));
  });
}
