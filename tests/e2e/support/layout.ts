import type { Page } from 'playwright-core';

/**
 * Issue 14's "tags never run into figures", checked on any page as it is: every Element Plus tag and
 * badge and every chip the app draws itself, against the text around it, and every figure against
 * the unit or word after it. Also that figures read whole: none broken over two lines where one
 * would hold it, no chart figure drawn over another, and no empty field's hint cut short.
 */

/** The chips: Element Plus's tags and badges, and the app's own (see apps/web/src/styles/main.css and the components). */
const CHIPS = '.el-tag, .el-badge__content, .demo-tag, .count-badge, .nav-badge, .in-chinese';

/** What a problem names: the chip or text, the text it meets, and the page's words around them. */
export interface LayoutProblem {
  kind: 'touches' | 'clipped' | 'run-in' | 'broken' | 'overlaps' | 'outside';
  /** The chip's text, the text that runs in, is broken, or is drawn over `other`. */
  text: string;
  /** For `touches`: the text the chip meets, and the gap between them in px (negative: they overlap). For `overlaps`: the other text. */
  other?: string;
  gap?: number;
  /** The row or block they sit in, cut short: enough to find them. */
  where: string;
}

/**
 * At desktop width a page's column lies within the header's (1280 px, centred), its edges on the
 * header's or inside them (a narrower page): a page wider than the header starts left of the logo
 * above it. Null when it fits (or the page has no `.page` column).
 */
export async function outsideHeader(page: Page): Promise<LayoutProblem | null> {
  return page.evaluate(() => {
    const column = document.querySelector('header .inner')?.getBoundingClientRect();
    const body = document.querySelector('main .page')?.getBoundingClientRect();
    if (!column || !body || (body.left >= column.left - 0.5 && body.right <= column.right + 0.5)) return null;
    const span = (r: DOMRect) => `${Math.round(r.left)}–${Math.round(r.right)} px`;
    return { kind: 'outside' as const, text: `page ${span(body)}, header ${span(column)}`, where: 'main .page' };
  });
}

/**
 * A chip and a text closer than this on the same line touch: a space in a 14 px face is about 4 px,
 * so anything less reads as one word.
 */
const MIN_GAP = 4;

/**
 * Within one text node, a figure straight into a unit, a weight or a word, each a way to misread it:
 * "10500g瓶" (ten thousand five hundred grams), "10瓶", "¥1,200待发货", "12jars". The Chinese date and
 * time words (2026年12月4日 8时) and a money scale after an amount (¥12.5万, ¥4.50M) are how figures are written.
 */
const RUN_INS: RegExp[] = [
  // A count or weight run into a weight, then a sale unit ("10500 g 瓶" too: the existing rule of trade.test.ts).
  /\d\s?(?:g|kg|克|斤|公斤|千克)\s?[瓶箱袋只罐包盒件个份桶提条]/u,
  // A count straight into a sale unit, with no space ("10瓶").
  /\d[瓶箱袋只罐包盒件个份桶提条斤]/u,
  // An amount straight into a word ("¥1,200待发货", "¥1,200Paid"), unless it is the amount's scale (¥12.5万, ¥4.50M).
  /[¥￥]\s?\d[\d,]*(?:\.\d+)?(?![\d,.万亿元])(?![KMB](?![A-Za-z]))[\p{Script=Han}A-Za-z]/u,
  // An English count straight into a word ("12jars"); codes (SH1001) are upper case, ids (9c7bfd0d, 874-9baf) hex.
  /(?<![\dA-Za-z-])\d+(?=[a-z]*[g-z])[a-z]{3,}(?![\dA-Za-z-])/u,
];

/**
 * A text that must read whole: an amount with its scale ("1,615.11 万元", "+¥6.60M"), a share
 * ("161.5%"), a count. Chinese lines may break between any two characters, and so inside these.
 */
const FIGURE = /^[+-]?[¥￥]?\d[\d,]*(?:\.\d+)?\s?(?:万元|元|万|%|[KMB])?$/u;
/** Where every text reads whole, names too ("阳山县", "Yangshan"): a phone row's label-value pairs (PhoneFacts). */
const WHOLE = '[data-test=phone-facts] dt, [data-test=phone-facts] dd';

/**
 * Every problem on the page as it is now (call it once the page has its data): a chip that overlaps
 * or comes closer than 4 px to another text on its line in the same row, a chip whose text is cut (by
 * itself or by the cell it sits in), a figure that runs into a unit or a word, within one text or
 * across two texts drawn with no gap between them, a figure (or a phone row's label or value) broken
 * over lines though one line of its block would hold it, and a chart's text drawn over another
 * (rotated axis names aside, whose boxes overlap by design).
 */
export async function layoutProblems(page: Page): Promise<LayoutProblem[]> {
  return page.evaluate(
    ({ chipSelector, minGap, runIns, figure, whole: wholeSelector }) => {
      const patterns = runIns.map((source) => new RegExp(source, 'u'));
      type Box = { left: number; right: number; top: number; bottom: number };
      const problems: LayoutProblem[] = [];
      const short = (s: string, n = 80) => s.replace(/\s+/g, ' ').trim().slice(0, n);
      /** The row a chip belongs to: a table row, a list item, a description, a form field, a line of a card. */
      const ROW =
        'tr, li, dt, dd, [role=row], .el-descriptions__cell, .el-form-item, .toolbar, h1, h2, h3, h4, p, header, .el-card__header';
      const shown = (e: Element) =>
        e.checkVisibility({ opacityProperty: true, visibilityProperty: true }) &&
        e.getBoundingClientRect().width > 0 &&
        e.getBoundingClientRect().height > 0;
      const style = (e: Element) => getComputedStyle(e);
      const scrolls = (e: Element) => /auto|scroll/.test(style(e).overflowX) || /auto|scroll/.test(style(e).overflowY);
      const hides = (e: Element) => /hidden|clip/.test(style(e).overflowX);

      /** The part of a box its scrolling containers show now (a table scrolled sideways hides the rest), or null. */
      function seen(e: Element, box: Box): Box | null {
        // Copied field by field: a DOMRect's fields are getters, which a spread would drop.
        let b = { left: box.left, right: box.right, top: box.top, bottom: box.bottom };
        for (let a = e.parentElement; a && a !== document.documentElement; a = a.parentElement) {
          if (!scrolls(a)) continue;
          const r = a.getBoundingClientRect();
          b = {
            left: Math.max(b.left, r.left),
            right: Math.min(b.right, r.right),
            top: Math.max(b.top, r.top),
            bottom: Math.min(b.bottom, r.bottom),
          };
          if (b.right - b.left < 1 || b.bottom - b.top < 1) return null;
        }
        return b;
      }
      /** A cell pinned while its table scrolls sideways (Element Plus's fixed columns) covers what scrolls under it. */
      const pinned = [...document.querySelectorAll('.el-table-fixed-column--left, .el-table-fixed-column--right')];
      function covered(e: Element, box: Box) {
        return pinned.some((cell) => {
          if (cell.contains(e)) return false;
          const r = cell.getBoundingClientRect();
          return box.left < r.right && box.right > r.left && box.top < r.bottom && box.bottom > r.top;
        });
      }
      /** The boxes of a text node's visible characters, one per line, without its leading and trailing spaces. */
      function textBoxes(node: Text): Box[] {
        const s = node.data;
        const start = s.search(/\S/);
        if (start < 0) return [];
        const end = s.length - (s.length - s.trimEnd().length);
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, end);
        return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      }
      const texts: { node: Text; boxes: Box[] }[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const node = n as Text;
        const parent = node.parentElement;
        if (!parent || !node.data.trim() || parent.closest('script, style, noscript, [aria-hidden=true]')) continue;
        if (!shown(parent)) continue;
        const boxes = textBoxes(node).flatMap((b) => {
          const v = seen(parent, b);
          return v && !covered(parent, v) ? [v] : [];
        });
        if (boxes.length) texts.push({ node, boxes });
      }
      const sameLine = (a: Box, b: Box) =>
        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) >= 0.5 * Math.min(a.bottom - a.top, b.bottom - b.top);
      const gapBetween = (a: Box, b: Box) => Math.max(a.left, b.left) - Math.min(a.right, b.right);
      const overlaps = (a: Box, b: Box) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;

      for (const chip of document.querySelectorAll(chipSelector)) {
        if (!shown(chip)) continue;
        // A chip inside another (an Element Plus tag's content) is the outer one's business.
        if (chip.parentElement?.closest(chipSelector)) continue;
        const whole = chip.getBoundingClientRect();
        const box = seen(chip, whole);
        if (!box || covered(chip, box)) continue;
        const row = chip.closest(ROW) ?? chip.parentElement?.parentElement ?? document.body;
        const label = short((chip as HTMLElement).innerText);

        // Cut by itself (its text wider than its box) or by the cell it sits in (Element Plus's .cell hides overflow).
        const inner = [chip, ...chip.querySelectorAll('*')];
        let cut = inner.some((e) => e.scrollWidth > e.clientWidth + 1 && hides(e));
        for (let a = chip.parentElement; !cut && a && a !== document.body && !scrolls(a); a = a.parentElement) {
          if (!hides(a)) continue;
          const r = a.getBoundingClientRect();
          cut = whole.right > r.right + 1 || whole.left < r.left - 1;
        }
        if (cut) problems.push({ kind: 'clipped', text: label, where: short((row as HTMLElement).innerText) });

        // Touching or overlapping a text of its row that is not its own.
        for (const t of texts) {
          if (chip.contains(t.node) || !row.contains(t.node)) continue;
          for (const b of t.boxes) {
            const gap = gapBetween(box, b);
            if (overlaps(box, b) || (sameLine(box, b) && gap < minGap)) {
              problems.push({
                kind: 'touches',
                text: label,
                other: short(t.node.data),
                gap: Math.round(gap * 10) / 10,
                where: short((row as HTMLElement).innerText),
              });
              break;
            }
          }
        }
      }

      // A figure run into a unit or a word: within one text…
      for (const t of texts)
        for (const p of patterns) {
          const m = p.exec(t.node.data);
          if (m)
            problems.push({
              kind: 'run-in',
              text: short(t.node.data.slice(Math.max(0, m.index - 12), m.index + m[0].length + 12)),
              where: short(t.node.parentElement!.closest(ROW)?.textContent ?? t.node.data),
            });
        }
      // …or across two texts drawn side by side with no space ("<b>10</b><span>瓶</span>").
      for (let i = 1; i < texts.length; i++) {
        const [a, b] = [texts[i - 1]!, texts[i]!];
        if (!/\d\s*$/.test(a.node.data) || !/^\s*[\p{Script=Han}A-Za-z]/u.test(b.node.data)) continue;
        if (/^\s*[年月日时分秒号万亿元%]/u.test(b.node.data)) continue;
        const [last, first] = [a.boxes.at(-1)!, b.boxes[0]!];
        if (!sameLine(last, first)) continue;
        const gap = first.left - last.right;
        if (gap > -1 && gap < 2)
          problems.push({
            kind: 'run-in',
            text: short(`${a.node.data.trim().slice(-16)}|${b.node.data.trim().slice(0, 16)}`),
            where: short(a.node.parentElement!.closest(ROW)?.textContent ?? ''),
          });
      }

      // A figure, or a phone row's label or value, over two or more lines though one line of its
      // block would hold it: its width on one line against the width of the block its lines fill
      // (the nearest block that is not itself a flex item, which shrinks to what it holds).
      const figurePattern = new RegExp(figure, 'u');
      const lineWidth = (e: Element) => {
        let b: Element | null = e;
        for (; b && b !== document.body; b = b.parentElement) {
          const d = style(b).display;
          const flexItem = b.parentElement && /flex|grid/.test(style(b.parentElement).display);
          if (!/^(inline|inline-block|contents)$/.test(d) && !flexItem) break;
        }
        const s = style(b ?? document.body);
        return (b ?? document.body).clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      };
      for (const t of texts) {
        const parent = t.node.parentElement!;
        if (!figurePattern.test(t.node.data.trim()) && !parent.closest(wholeSelector)) continue;
        const lines = new Set(t.boxes.map((b) => Math.round(b.top)));
        if (lines.size < 2) continue;
        const probe = document.createElement('span');
        probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
        probe.textContent = t.node.data.trim();
        parent.append(probe);
        const oneLine = probe.getBoundingClientRect().width;
        probe.remove();
        if (oneLine <= lineWidth(parent) + 0.5)
          problems.push({
            kind: 'broken',
            text: short(t.node.data),
            where: short((parent.closest(ROW) as HTMLElement | null)?.innerText ?? t.node.data),
          });
      }

      // A chart's text drawn over another's (ECharts draws SVG text; a rotated one is an axis name).
      for (const svg of document.querySelectorAll('svg')) {
        const drawn = [...svg.querySelectorAll('text')].filter((e) => {
          const m = e.getCTM();
          return shown(e) && (!m || (Math.abs(m.b) < 1e-6 && Math.abs(m.c) < 1e-6));
        });
        const boxes = drawn.map((e) => e.getBoundingClientRect());
        for (let i = 0; i < drawn.length; i++)
          for (let j = i + 1; j < drawn.length; j++)
            if (overlaps(boxes[i]!, boxes[j]!))
              problems.push({
                kind: 'overlaps',
                text: short(drawn[i]!.textContent ?? ''),
                other: short(drawn[j]!.textContent ?? ''),
                where: short(svg.closest('[data-test]')?.getAttribute('data-test') ?? 'svg'),
              });
      }

      // An empty field's hint cut short ("…cooperatives, e.g. h"): the hint is all the field says.
      const ruler = document.createElement('canvas').getContext('2d')!;
      for (const input of document.querySelectorAll<HTMLInputElement>('input[placeholder]')) {
        if (input.value || !input.placeholder || !shown(input)) continue;
        const st = style(input);
        ruler.font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
        const room = input.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
        if (ruler.measureText(input.placeholder).width > room + 0.5)
          problems.push({
            kind: 'clipped',
            text: short(input.placeholder),
            where: short((input.closest(ROW) as HTMLElement | null)?.innerText || input.id || input.name || 'input'),
          });
      }
      return problems;
    },
    {
      chipSelector: CHIPS,
      minGap: MIN_GAP,
      runIns: RUN_INS.map((r) => r.source),
      figure: FIGURE.source,
      whole: WHOLE,
    },
  );
}
