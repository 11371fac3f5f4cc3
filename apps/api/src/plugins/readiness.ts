import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs `task` once the app is ready, without holding up listen: until it has succeeded,
     * `/readyz` answers 503 `starting` naming it. A failure is logged and retried.
     */
    startupTask(name: string, task: () => Promise<void>): void;
    /** The start-up tasks not yet done, by name (empty once the replica may take traffic). */
    startupPending(): string[];
    /** Settles when every start-up task has succeeded (or the app closes). */
    startupSettled(): Promise<void>;
  }
}

/** Retry delays of a failed start-up task: PostgreSQL may still be coming up beside the api. */
const RETRY_MS = [500, 1_000, 2_000, 5_000];

/**
 * Start-up work (catch-ups) that must finish before a replica takes traffic but need not delay the
 * process's listen: `/healthz` is live at once, `/readyz` is 503 `starting` until it is done, so a
 * load balancer routes elsewhere meanwhile and an orchestrator does not restart a slow start.
 */
export default fp(
  async (app) => {
    const tasks = new Map<string, () => Promise<void>>();
    const pending = new Set<string>();
    const running: Promise<void>[] = [];
    let closing = false;
    // Wakes the tasks waiting to retry when the app closes.
    const sleeping = new Set<() => void>();

    async function run(name: string, task: () => Promise<void>): Promise<void> {
      for (let attempt = 0; !closing; attempt++) {
        try {
          await task();
          pending.delete(name);
          return;
        } catch (err) {
          if (closing) return;
          const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
          app.log.error({ err, task: name, retryInMs: delay }, 'start-up task failed');
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              sleeping.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, delay);
            sleeping.add(wake);
          });
        }
      }
    }

    app.decorate('startupTask', (name: string, task: () => Promise<void>) => {
      if (tasks.has(name)) throw new Error(`start-up task ${name} is declared twice`);
      tasks.set(name, task);
      pending.add(name);
    });
    app.decorate('startupPending', () => [...pending]);
    app.decorate('startupSettled', async () => {
      await Promise.all(running);
    });
    // Started when the app is ready, not awaited: listen follows at once.
    app.addHook('onReady', async () => {
      for (const [name, task] of tasks) running.push(run(name, task));
    });
    // A task still running holds a pooled connection: let it finish before the pool closes.
    app.addHook('preClose', async () => {
      closing = true;
      for (const wake of [...sleeping]) wake();
    });
    app.addHook('onClose', async () => {
      await Promise.all(running);
    });
  },
  { name: 'readiness' },
);
