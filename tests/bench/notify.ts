/**
 * `pnpm --filter @shanhai/tests bench:notify`: a burst of notification events (`BENCH_EVENTS`,
 * default 10,000) committed in transactions of 100 by four writers with no worker running, then
 * handed on by one worker (the dispatcher and the email queue, `EMAIL_CONCURRENCY` 16, a pool of
 * 8 SMTP connections) to a real SMTP server (`smtp-server`) on a free port. Prints how long the
 * burst took to write, and from the worker's start to the SMTP server's acceptance of the last
 * message. Aim (issue 17): every email handed over within 60 s.
 *
 * Not measured here yet: `POST /api/v1/purchases` with notifications on against off.
 */
import { sql } from 'drizzle-orm';
import { createDb, notify } from '@shanhai/db';
import { createLogger } from '@shanhai/worker/log';
import { startRuntime } from '@shanhai/worker/runtime';
import { startSmtp } from '../support/smtp';
import { benchStack } from './support';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const PER_TRANSACTION = 100;
const WRITERS = 4;
const DEADLINE_MS = 600_000;

const stack = await benchStack('notify');
const smtp = await startSmtp({ parse: false });
const h = createDb(stack.databaseUrl, { max: WRITERS + 1 });
try {
  const [buyer] = (
    await h.db.execute<{ id: string; org_id: string }>(
      sql`select id, org_id from users where email = 'buyer@demo.shanhai'`,
    )
  ).rows;
  const writeStarted = performance.now();
  const writer = async (w: number) => {
    for (let i = w * PER_TRANSACTION; i < EVENTS; i += WRITERS * PER_TRANSACTION)
      await h.db.transaction(async (tx) => {
        for (let j = i; j < Math.min(EVENTS, i + PER_TRANSACTION); j++)
          await notify(tx, {
            kind: 'purchase.expired',
            orgId: buyer!.org_id,
            userIds: [buyer!.id],
            subject: { type: 'purchase', id: `bench-${j}` },
            link: `/purchases/bench-${j}`,
            params: { ref: `SHB${String(j).padStart(6, '0')}` },
          });
      });
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const written = performance.now();

  const started = performance.now();
  const runtime = await startRuntime(
    {
      databaseUrl: stack.databaseUrl,
      databasePoolMax: 10,
      redisUrl: stack.redisUrl,
      redisPrefix: 'bench-notify',
      logLevel: 'silent',
      concurrency: 4,
      smtpUrl: smtp.url,
      emailConcurrency: 16,
    },
    createLogger('silent'),
  );
  try {
    while (smtp.accepted() < EVENTS) {
      if (performance.now() - started > DEADLINE_MS) throw new Error(`only ${smtp.accepted()} of ${EVENTS} accepted`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = performance.now();
    // Each row is marked sent just after its message was accepted.
    const sentRows = async () =>
      (await h.db.execute<{ n: number }>(sql`select count(*)::int as n from notifications where email_status = 'sent'`))
        .rows[0]!.n;
    let sent = await sentRows();
    while (sent < EVENTS && performance.now() - started < DEADLINE_MS) {
      await new Promise((r) => setTimeout(r, 100));
      sent = await sentRows();
    }
    const s = (ms: number) => (ms / 1000).toFixed(1);
    console.log(`\n### bench:notify: ${EVENTS.toLocaleString('en')} events → SMTP\n`);
    console.log(
      '| events | burst written in s (4 writers) | worker start → last accepted s | emails/s | rows marked sent |',
    );
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    console.log(
      `| ${EVENTS} | ${s(written - writeStarted)} | ${s(done - started)} | ${Math.round(EVENTS / ((done - started) / 1000))} | ${sent} |`,
    );
  } finally {
    await runtime.close();
  }
} finally {
  await h.close();
  await smtp.close();
  await stack.stop();
}
