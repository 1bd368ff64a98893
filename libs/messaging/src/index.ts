export * from './messaging-logger';
export * from './kafka';
export * from './topics';
export * from './headers';
export * from './kafka-message-publisher';
export * from './webhook-sink';
export * from './consumer';
export * from './public-events';
