export * from './identity';
export * from './regions';
export * from './audit';
export * from './catalog';
export * from './sales';
export * from './idempotency';
export * from './orders';
export * from './tallies';
