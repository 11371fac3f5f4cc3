import type { Page } from 'playwright-core';

/**
 * What does not fit the screen's width on the page as it is now, one line per finding (none: `[]`):
 * - `scrolls sideways by N px`: the document is wider than the viewport;
 * - `table <data-test or header>: cut off <columns>`: an Element Plus table whose body is wider than
 *   its frame, so its last columns sit off screen until the reader swipes the table (named by the
 *   header of each column that does not end inside the frame and the viewport);
 * - `<element> ends N px past the right edge`: a visible element whose visible part (after the
 *   clipping of its scrolling or clipping ancestors) runs past the viewport's right edge, the
 *   outermost such element only (its children would say the same again).
 * Read at scroll 0 of every table, as the page first shows it.
 */
export async function misfits(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const view = document.documentElement.clientWidth;
    /** Half a pixel of rounding is not a misfit. */
    const SLACK = 0.5;
    const sideways = document.documentElement.scrollWidth - view;
    if (sideways > 0) found.push(`scrolls sideways by ${sideways} px`);

    const label = (el: Element) => {
      const test = el.getAttribute('data-test');
      if (test) return `[data-test=${test}]`;
      const cls = [...el.classList].slice(0, 2).join('.');
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
      return `${el.tagName.toLowerCase()}${cls ? `.${cls}` : ''}${text ? ` "${text}"` : ''}`;
    };
    const shown = (el: Element) => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
    };

    for (const table of document.querySelectorAll('.el-table')) {
      if (!shown(table)) continue;
      const frame = table.querySelector('.el-table__body-wrapper .el-scrollbar__wrap') as HTMLElement | null;
      const body = table.querySelector('.el-table__body-wrapper table.el-table__body') as HTMLElement | null;
      if (!frame || !body) continue;
      if (body.getBoundingClientRect().width <= frame.clientWidth + SLACK) continue;
      const right = Math.min(frame.getBoundingClientRect().left + frame.clientWidth, view);
      // Columns as the header names them (a column without a header by its first cell's text).
      const heads = [...table.querySelectorAll('.el-table__header-wrapper thead tr:first-child th')];
      const firstRow = [...table.querySelectorAll('.el-table__body-wrapper tbody tr:first-child > td')];
      const cut = heads
        .map((th, i) => ({ th, i, r: th.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.right + frame.scrollLeft > right + SLACK)
        .map(({ th, i }) => {
          const name = (th.textContent ?? '').trim() || (firstRow[i]?.textContent ?? '').trim().slice(0, 20);
          return name || `column ${i + 1}`;
        });
      const name = table.getAttribute('data-test') ?? table.closest('[data-test]')?.getAttribute('data-test');
      found.push(
        `table ${name ? `[data-test=${name}]` : label(table)}: cut off ${cut.join(', ') || '(its last pixels)'}`,
      );
    }

    /**
     * The part of an element the reader can see: its box clipped by every ancestor that clips (a
     * scroll frame, overflow hidden), up to the document, which does not (its overflow is the
     * sideways scroll above). A fixed element is clipped by nothing above it.
     */
    const visibleRight = (el: Element) => {
      let right = el.getBoundingClientRect().right;
      let left = el.getBoundingClientRect().left;
      for (let n = el; n.parentElement && n.parentElement !== document.body; n = n.parentElement) {
        if (getComputedStyle(n).position === 'fixed') break;
        const a = n.parentElement;
        if (getComputedStyle(a).overflowX !== 'visible') {
          const r = a.getBoundingClientRect();
          right = Math.min(right, r.left + a.clientLeft + a.clientWidth);
          left = Math.max(left, r.left);
        }
      }
      return right > left ? right : -Infinity;
    };
    const walk = (el: Element) => {
      if (!shown(el)) {
        // A hidden element's children may still show (visibility: visible inside hidden); rare: skip.
        if (getComputedStyle(el).display === 'none') return;
      } else if (visibleRight(el) > view + SLACK) {
        found.push(`${label(el)} ends ${Math.round(visibleRight(el) - view)} px past the right edge`);
        return;
      }
      for (const child of el.children) walk(child);
    };
    walk(document.body);
    return found;
  });
}
