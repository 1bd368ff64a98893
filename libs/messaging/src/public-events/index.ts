export * from './public-event';
export * from './catalog';
export * from './kafka-record';
export * from './sync';
