export * from './client';
export * from './migrate';
export * from './audit';
export * from './passwords';
export * from './ledger';
export * as schema from './schema/index';
export * from './orders';
export * from './tally';
