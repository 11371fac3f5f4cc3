export * from './money';
export * from './dates';
export * from './queues';
export * from './contracts/index';
