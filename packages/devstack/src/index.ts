export { freePort, portOrFree } from './ports';
export { startPostgres, ensureDatabase, postgresToolsDir, type RunningPostgres } from './postgres';
export { startRedis, type RunningRedis } from './redis';
export { startMailCatcher, type RunningMailCatcher } from './mail';
