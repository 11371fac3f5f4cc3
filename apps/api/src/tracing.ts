import { register } from 'node:module';
import type { Telemetry } from 'bullmq';

/**
 * OpenTelemetry tracing, started by server.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and
 * before it imports the app: pg and ioredis are patched as they load, so they must load after this.
 * The SDK reads the rest of its configuration (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, …)
 * from the environment itself. Returns BullMQ's telemetry, which carries the trace in each job.
 */
export async function startTracing(serviceName: string): Promise<{ telemetry: Telemetry; stop(): Promise<void> }> {
  // The app is ES modules: its imports of pg and ioredis are patched through this loader hook.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { PgInstrumentation }, { IORedisInstrumentation }, { FastifyOtelInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@fastify/otel'),
    ]);
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [
      // Every Fastify instance gets the plugin as it is created: one span per request and its hooks.
      new FastifyOtelInstrumentation({ registerOnInitialization: true }),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  const { BullMQOtel } = await import('bullmq-otel');
  return { telemetry: new BullMQOtel(serviceName), stop: () => sdk.shutdown() };
}
