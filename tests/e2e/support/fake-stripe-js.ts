import type { BrowserContext, Page } from 'playwright-core';

/**
 * Stripe.js cannot load here (no internet), so browser tests serve this stand-in at
 * https://js.stripe.com instead: the web app's own code (loadStripe, elements, confirmPayment) runs
 * unchanged. It implements the few calls the card form makes; its Payment Element is one plain
 * input, and confirmPayment answers as Stripe's does for a card that needs no redirect: an error
 * for Stripe's "declined" test card 4000 0000 0000 0002, else the PaymentIntent in `processing`
 * (the api learns the outcome from the webhook, which the test sends). What the page asked for is
 * kept in `window.__fakeStripe` for the test to read.
 */
const FAKE_STRIPE_JS = String.raw`(() => {
  const seen = (window.__fakeStripe = { publishableKey: null, elementsOptions: null, elementType: null, confirms: [] });
  window.Stripe = function Stripe(publishableKey) {
    seen.publishableKey = publishableKey;
    let input = null;
    return {
      _registerWrapper() {},
      elements(options) {
        seen.elementsOptions = options;
        return {
          create(type) {
            seen.elementType = type;
            let host = null;
            return {
              mount(target) {
                host = typeof target === 'string' ? document.querySelector(target) : target;
                const zh = options.locale === 'zh';
                host.innerHTML = '<label style="display:block;font:14px system-ui,sans-serif;color:#30313d">' + (zh ? '卡号' : 'Card number') +
                  '<input data-test="fake-stripe-card" autocomplete="off" placeholder="1234 1234 1234 1234" style="display:block;box-sizing:border-box;width:100%;margin-top:4px;padding:10px 12px;font-size:16px;border:1px solid #e6e6e6;border-radius:4px;box-shadow:0 1px 3px rgba(0,0,0,.08)"></label>';
                input = host.querySelector('input');
              },
              on() { return this; },
              unmount() { if (host) host.innerHTML = ''; },
              destroy() { if (host) host.innerHTML = ''; },
            };
          },
          async submit() { return {}; },
        };
      },
      async confirmPayment(params) {
        const card = (input ? input.value : '').replace(/\s+/g, '');
        const clientSecret = seen.elementsOptions && seen.elementsOptions.clientSecret;
        seen.confirms.push({ clientSecret, card, redirect: params.redirect, returnUrl: params.confirmParams && params.confirmParams.return_url });
        await new Promise((r) => setTimeout(r, 100));
        if (card === '4000000000000002') {
          return { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } };
        }
        return { paymentIntent: { id: clientSecret.split('_secret_')[0], object: 'payment_intent', client_secret: clientSecret, status: 'processing' } };
      },
    };
  };
})();`;

/** Serves the stand-in for every request to js.stripe.com from this page or context. */
export async function fakeStripeJs(target: Page | BrowserContext): Promise<void> {
  await target.route('https://js.stripe.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'application/javascript; charset=utf-8', body: FAKE_STRIPE_JS }),
  );
}
