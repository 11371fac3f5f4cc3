export * from './problem';
export * from './identity';
export * from './regions';
export * from './catalog';
export * from './orders';
export * from './sales';
export * from './notifications';
export * from './accounts';
