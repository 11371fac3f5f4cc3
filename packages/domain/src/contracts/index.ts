export * from './problem';
export * from './identity';
export * from './regions';
export * from './sales';
