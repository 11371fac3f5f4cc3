/** JSON lines on stdout, the same shape as the api's pino logs (level, time, msg, fields). */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
type Level = Exclude<keyof typeof LEVELS, 'silent'>;

export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export function createLogger(level: string, name = 'worker'): Logger {
  const min = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const write = (lvl: Level) => (fields: object, msg: string) => {
    if (LEVELS[lvl] < min) return;
    process.stdout.write(`${JSON.stringify({ level: LEVELS[lvl], time: Date.now(), name, msg, ...fields })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
