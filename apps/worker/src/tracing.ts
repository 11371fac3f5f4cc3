import { register } from 'node:module';
import type { Telemetry } from 'bullmq';

/**
 * OpenTelemetry tracing, started by main.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and
 * before it imports the runtime: pg and ioredis are patched as they load, so they must load after this.
 * The SDK reads the rest of its configuration (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, …)
 * from the environment itself. Returns BullMQ's telemetry, which carries the trace in each job.
 */
export async function startTracing(serviceName: string): Promise<{ telemetry: Telemetry; stop(): Promise<void> }> {
  // The worker is ES modules: its imports of pg and ioredis are patched through this loader hook.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { PgInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [new PgInstrumentation(), new IORedisInstrumentation()],
  });
  sdk.start();
  const { BullMQOtel } = await import('bullmq-otel');
  return { telemetry: new BullMQOtel(serviceName), stop: () => sdk.shutdown() };
}
