/**
 * Answers do not come back in the order they were asked: a reader changes a filter (a year, a
 * town, the words typed) before the last answer is in, or a live reload overlaps the one they
 * asked for. Each load takes a turn; once its answer is in, `current()` says whether any load
 * began after it, and only the current one's answer is shown, so the page never goes back to
 * what was asked before.
 */
export function latestTurn(): () => () => boolean {
  let last = 0;
  return () => {
    const mine = ++last;
    return () => mine === last;
  };
}
