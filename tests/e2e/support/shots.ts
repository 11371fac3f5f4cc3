import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { TEST_OUTPUT } from './browser';

/** Where the browser tests leave the screenshots a reviewer looks at (test-results/pages/). */
export const SHOTS = join(TEST_OUTPUT, 'pages');

/** Saves what the page shows now as test-results/pages/<name>.png (the whole page unless `viewportOnly`). */
export async function saveShot(page: Page, name: string, viewportOnly = false): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name.replace(/[^\w-]+/g, '_')}.png`);
  await page.screenshot({ path, fullPage: !viewportOnly });
  return path;
}
