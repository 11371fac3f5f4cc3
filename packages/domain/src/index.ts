export * from './money';
export * from './dates';
export * from './queues';
export * from './pricing';
export * from './catalog';
export * from './contracts/index';
export * from './pacing';
