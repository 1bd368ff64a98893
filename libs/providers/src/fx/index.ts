export * from './sandbox-fx-rates';
