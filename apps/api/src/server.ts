import { loadConfig } from './env';

/** Listens and shuts down gracefully; tests never import this file. */
const config = loadConfig();
// Tracing patches pg and ioredis as they load, so the app is imported after it starts; without an
// endpoint neither it nor the OpenTelemetry packages are loaded at all.
const tracing = config.otlpEndpoint ? await (await import('./tracing')).startTracing('shanhai-api') : undefined;
const { buildApp } = await import('./app');
const app = await buildApp(config, { telemetry: tracing?.telemetry });
app.addHook('onClose', async () => tracing?.stop());

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  app.log.error({ err }, 'could not start');
  process.exit(1);
}
