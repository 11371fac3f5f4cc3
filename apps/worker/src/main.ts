import { loadConfig } from './env';
import { createLogger } from './log';
import { RedisPolicyError, startRuntime } from './runtime';

const config = loadConfig();
const log = createLogger(config.logLevel);

let runtime;
try {
  runtime = await startRuntime(config, log);
} catch (err) {
  if (err instanceof RedisPolicyError) {
    log.error({}, err.message);
    process.exit(2);
  }
  throw err;
}
log.info({ queues: runtime.workers.map((w) => w.name) }, 'worker started');

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing active jobs');
    runtime.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
