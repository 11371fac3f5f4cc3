import type { Page } from 'playwright-core';

/** One action a mouse user has on the page that the keyboard misses, described so a failure finds it. */
export interface KeyboardGap {
  /** Why: `not focusable` (no tab stop, or tabindex -1) or `not reached by Tab`. */
  gap: 'not focusable' | 'not reached by Tab';
  /** The element's opening tag (cut short) and its text. */
  html: string;
  text: string;
}

/** The attribute the check marks each listed action with, so the Tab walk can tell which it reached. */
const MARK = 'data-kbd-action';

/** Composite widgets, one tab stop each (WAI-ARIA's roving tabindex; Element Plus's radio group, arrows between its radios). */
const ROVING_GROUP = '[role=tablist],[role=radiogroup],[role=menu],[role=menubar],[role=listbox],.el-radio-group';
const ROVING_ITEM = '[role=tab],[role=radio],[role=menuitem],[role=option],input[type=radio]';

/**
 * Lists every visible action on the page as it is now and marks it (`data-kbd-action`): native
 * controls and links, ARIA widgets, the parts Element Plus makes clickable (sortable headers, tabs,
 * pagination, uploads) and any element Vue gave a click listener. Answers those a keyboard cannot
 * focus: not natively focusable and no tabindex ≥ 0, or taken out of the tab order. Not a gap: an
 * Element Plus frame around its focusable control (a label around its checkbox, a sortable header
 * around its sort button), a part of a focusable button, an item of a composite widget that has its
 * tab stop, a number input's steppers (its arrows step it).
 */
async function markActions(page: Page): Promise<{ gaps: KeyboardGap[]; focusable: number }> {
  return page.evaluate(
    ({ mark, ROVING_GROUP, ROVING_ITEM }) => {
      const SELECTOR = [
        'button',
        'a[href]',
        'input:not([type=hidden])',
        'select',
        'textarea',
        'summary',
        '[role=button]',
        '[role=tab]',
        '[role=menuitem]',
        '[role=checkbox]',
        '[role=switch]',
        '[role=link]',
        '[role=radio]',
        '[role=option]',
        'th.is-sortable',
        '.el-tabs__item',
        '.el-pagination button',
        '.el-pagination li.number',
        '.el-upload',
        '.el-dropdown',
        '.el-collapse-item__header',
      ].join(',');
      /**
       * Vue keeps an element's listeners under a `_vei` symbol (a plain `_vei` key before Vue 3.4); an
       * `onClick` there is a click handler the app (or Element Plus) set.
       */
      const hasClickListener = (el: Element) => {
        const key = Object.getOwnPropertySymbols(el).find((s) => s.description === '_vei') ?? '_vei';
        const vei = (el as unknown as Record<string | symbol, Record<string, unknown> | undefined>)[key];
        return Boolean(vei?.onClick);
      };
      /**
       * Click listeners that are no action of their own: a table's rows and plain header cells (Element
       * Plus emits row-click and header-click, which no view here listens to), a dialog's backdrop and
       * frame (Escape and the close button do that), and a select's or input's frame around its input.
       */
      const NOT_AN_ACTION = [
        'tr',
        'td',
        'th:not(.is-sortable)',
        '.el-overlay',
        '.el-overlay-dialog',
        '.el-overlay-message-box',
        '.el-dialog',
        '.el-message-box',
        '.el-drawer',
        '.el-input__wrapper',
        '.el-textarea__inner',
        '.el-select__wrapper',
        '.el-input-number',
        '.el-image-viewer__mask',
        // Element Plus's tag emits click whether or not anyone listens; no view here does.
        '.el-tag',
      ].join(',');
      const shown = (el: Element) =>
        el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) &&
        el.getClientRects().length > 0 &&
        !el.closest('[aria-hidden=true],[inert]');
      // Inside a disabled control too: Element Plus leaves a disabled number input's + without its own mark.
      const disabled = (el: Element) =>
        (el as HTMLButtonElement).disabled === true || el.closest('.is-disabled,[aria-disabled=true]') !== null;
      /** In the tab order: tabindex ≥ 0, not disabled, rendered (a visually hidden input still takes focus). */
      const tabbable = (el: Element) =>
        el instanceof HTMLElement &&
        el.tabIndex >= 0 &&
        !disabled(el) &&
        el.checkVisibility({ visibilityProperty: true }) &&
        !el.closest('[inert]');
      /**
       * The frames Element Plus puts around a control and clicks through to it: a dropdown around its
       * trigger, a sortable header around its sort button, a checkbox's or switch's label around its input.
       * An app's clickable card is none of these: a link inside it need not do what the card does.
       */
      const WRAPPER =
        'label, th.is-sortable, .el-dropdown, .el-upload, .el-switch, .el-checkbox, .el-radio, .el-radio-button, .el-select';
      const holdsTabbable = (el: Element) => el.matches(WRAPPER) && [...el.querySelectorAll('*')].some(tabbable);
      /**
       * A composite widget (tabs, a radio group, a menu, a list box) is one tab stop: the arrow keys move
       * between its items, so an item without a tab stop is reachable when another item of it has one.
       */
      const inRovingGroup = (el: Element) => {
        const group = el.closest(ROVING_GROUP);
        return group !== null && [...group.querySelectorAll(ROVING_ITEM)].some(tabbable);
      };
      /** A number input's − and + steppers: its input is the tab stop, and ArrowDown/ArrowUp there step it. */
      const stepsTabbableInput = (el: Element) =>
        el.matches('.el-input-number__decrease, .el-input-number__increase') &&
        [...(el.parentElement?.querySelectorAll('input') ?? [])].some(tabbable);
      const CONTROL = 'button, a[href], [role=button], [role=link], [role=menuitem], [role=tab]';
      /** Part of a focusable control: the sort button's ▲ and ▼ (Enter on the button cycles the order). */
      const insideTabbable = (el: Element) => {
        for (let p = el.parentElement; p; p = p.parentElement) if (p.matches(CONTROL) && tabbable(p)) return true;
        return false;
      };
      const labelsTabbable = (el: Element) => {
        const control = el instanceof HTMLLabelElement ? el.control : null;
        return control !== null && tabbable(control);
      };

      // With a modal dialog open, the dialog is the page: it keeps the focus inside until it closes.
      const modals = [...document.querySelectorAll('[aria-modal=true]')].filter(shown);
      const scope = modals.at(-1) ?? document.body;
      for (const old of document.querySelectorAll(`[${mark}]`)) old.removeAttribute(mark);
      const candidates = new Set<Element>(scope.querySelectorAll(SELECTOR));
      for (const el of scope.querySelectorAll('*'))
        if (hasClickListener(el) && !el.matches(NOT_AN_ACTION)) candidates.add(el);

      const gaps: { gap: 'not focusable'; html: string; text: string }[] = [];
      let focusable = 0;
      let n = 0;
      for (const el of candidates) {
        if (!shown(el) || disabled(el)) continue;
        if (tabbable(el)) {
          el.setAttribute(mark, String(n++));
          focusable++;
        } else if (
          !holdsTabbable(el) &&
          !labelsTabbable(el) &&
          !insideTabbable(el) &&
          !inRovingGroup(el) &&
          !stepsTabbableInput(el)
        ) {
          gaps.push({
            gap: 'not focusable',
            html: el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1).slice(0, 200),
            text: (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60),
          });
        }
      }
      return { gaps, focusable };
    },
    { mark: MARK, ROVING_GROUP, ROVING_ITEM },
  );
}

/**
 * Every action on the page is reachable by keyboard: each visible action can take focus (see
 * `markActions`), and pressing Tab from the top of the page focuses each focusable one in turn
 * (no trap, nothing skipped). Answers the gaps; `[]` when a keyboard user has every action.
 */
export async function keyboardGaps(page: Page): Promise<KeyboardGap[]> {
  const { gaps, focusable } = await markActions(page);
  // From the top: nothing focused, then Tab through the page once (and a little more, for the
  // focusable parts of composite controls that hold no mark of their own).
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const reached = new Set<string>();
  const limit = focusable * 2 + 20;
  let first: string | null = null;
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(
      ({ mark, ROVING_GROUP }) => {
        const el = document.activeElement;
        if (!el || el === document.body) return { key: null, ids: [] as string[] };
        // The action itself, or the action (a label, an upload) that holds the focused control…
        const ids: string[] = [];
        for (let p: Element | null = el; p; p = p.parentElement) {
          const id = p.getAttribute(mark);
          if (id !== null) ids.push(id);
        }
        // …and, in a composite widget, every item of it (the arrow keys go on from here).
        const group = el.closest(ROVING_GROUP);
        if (group) for (const item of group.querySelectorAll(`[${mark}]`)) ids.push(item.getAttribute(mark)!);
        const key = `${el.tagName}|${el.getAttribute(mark) ?? ''}|${el.id}|${el.className}|${el.textContent?.slice(0, 40)}`;
        return { key, ids };
      },
      { mark: MARK, ROVING_GROUP },
    );
    for (const id of at.ids) reached.add(id);
    if (at.key !== null) {
      // Back at the first stop: the walk went round the page once.
      if (first === null) first = at.key;
      else if (at.key === first) break;
    }
    if (reached.size === focusable) break;
  }
  const missed = await page.evaluate(
    ({ mark, seen }) =>
      [...document.querySelectorAll(`[${mark}]`)]
        .filter((el) => !seen.includes(el.getAttribute(mark)!))
        .map((el) => ({
          gap: 'not reached by Tab' as const,
          html: el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1).slice(0, 200),
          text: (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 60),
        })),
    { mark: MARK, seen: [...reached] },
  );
  return [...gaps, ...missed];
}
