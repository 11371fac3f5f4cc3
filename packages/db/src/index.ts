export * from './client';
export * from './migrate';
export * from './audit';
export * from './passwords';
export * as schema from './schema/index';
