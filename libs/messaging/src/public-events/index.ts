export * from './public-event';
export * from './catalog';
