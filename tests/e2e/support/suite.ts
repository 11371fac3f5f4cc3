import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ApiConfig } from '@shanhai/api/env';
import { launchBrowser } from './browser';
import { startStack, type Stack } from './stack';

export interface Suite {
  readonly stack: Stack;
  readonly browser: Browser;
}

/**
 * One real stack (api + worker on free ports, demo data) and one Chromium for a browser test file,
 * started before its tests and closed after them. `config` and `smtpUrl` are read when the stack
 * starts, so they may use what an earlier beforeAll set up (a fake Stripe's address, a mail server).
 */
export function useStackAndBrowser(options: { config?: () => Partial<ApiConfig>; smtpUrl?: () => string } = {}): Suite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack({ config: options.config?.() ?? {}, smtpUrl: options.smtpUrl?.() });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  return {
    get stack() {
      if (!stack) throw new Error('the stack is not started yet (use it inside a test)');
      return stack;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet (use it inside a test)');
      return browser;
    },
  };
}
