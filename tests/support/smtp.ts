/**
 * A real SMTP server (the `smtp-server` package) on a free port, for tests and benchmarks: it
 * parses what it receives (`mailparser`) and keeps it, and can go down and come back on the
 * same port, like a mail server being restarted.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
}

export interface SmtpCapture {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Messages accepted so far (counted before parsing: the cheap number a benchmark watches). */
  accepted(): number;
  /** Resolves once `n` messages were received (or rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Closes the port: connections are refused until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtp(options: { parse?: boolean } = {}): Promise<SmtpCapture> {
  const parse = options.parse ?? true;
  const received: ReceivedMail[] = [];
  let accepted = 0;
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Delivery tests hold many connections at once (the worker's pool).
      maxClients: 100,
      // A pooled client keeps its connections open: close without waiting for it to hang up.
      closeTimeout: 200,
      onData(stream, session, callback) {
        if (!parse) {
          stream.on('data', () => undefined);
          stream.on('end', () => {
            accepted++;
            callback();
          });
          return;
        }
        simpleParser(stream).then(
          (mail) => {
            accepted++;
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address).join(','),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
              headers: mail.headers as Map<string, unknown>,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      },
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const closeServer = (s: SMTPServer) => new Promise<void>((resolve) => s.close(() => resolve()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    accepted: () => accepted,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while ((parse ? received.length : accepted) < n) {
        if (Date.now() > deadline)
          throw new Error(`SMTP server got ${parse ? received.length : accepted} of ${n} messages in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    async down() {
      await closeServer(server);
    },
    async up() {
      server = make();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      await closeServer(server);
    },
  };
}
