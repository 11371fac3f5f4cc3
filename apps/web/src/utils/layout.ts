/**
 * Where a table's actions column sticks: to the right on wide screens; on a phone a fixed column
 * as wide as the actions would cover the whole table, so it scrolls with the rest instead.
 */
export function actionsFixed(): 'right' | false {
  return isPhone() ? false : 'right';
}

/** A phone-wide screen (≤ 640 px): one column of label/value pairs instead of two. */
export function isPhone(): boolean {
  return typeof window !== 'undefined' && window.matchMedia('(max-width: 640px)').matches;
}
