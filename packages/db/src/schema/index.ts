export * from './identity';
export * from './regions';
export * from './audit';
