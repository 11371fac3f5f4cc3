import { loadConfig } from './env';
import { createLogger } from './log';
import type { Runtime } from './runtime';

const config = loadConfig();
const log = createLogger(config.logLevel);
// Tracing patches pg and ioredis as they load, so the runtime is imported after it starts; without
// an endpoint neither it nor the OpenTelemetry packages are loaded at all.
const tracing = config.otlpEndpoint ? await (await import('./tracing')).startTracing('shanhai-worker') : undefined;
const { RedisPolicyError, startRuntime } = await import('./runtime');
const { startHealthServer } = await import('./health');

// Signal handlers go in before anything announces the worker: a SIGTERM that arrives between
// "worker started" and their registration would otherwise kill the process without a clean close.
let runtime: Runtime | undefined;
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing active jobs');
    // During start-up there is nothing to close yet; runtime start checks `closing` below.
    if (!runtime) return;
    runtime
      .close()
      .then(() => tracing?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err: String(err) }, 'error during shutdown');
          process.exit(1);
        },
      );
  });
}

try {
  runtime = await startRuntime(config, log, { telemetry: tracing?.telemetry });
} catch (err) {
  if (err instanceof RedisPolicyError) {
    log.error({}, err.message);
    process.exit(2);
  }
  throw err;
}
if (closing) {
  await runtime.close();
  process.exit(0);
}
const health = await startHealthServer(runtime, config.healthPort ?? 3001);
const address = health.address();
log.info(
  { queues: runtime.workers.map((w) => w.name), healthPort: typeof address === 'object' ? address?.port : undefined },
  'worker started',
);
