import { EsdbEventStore } from './esdb/esdb-event-store';
import { testEventStore } from './testing/event-store.contract';

/**
 * The shared EventStore contract over EventStoreDB. Runs only when EVENTSTORE_CONNECTION_STRING names a
 * server (e.g. `esdb://localhost:2113?tls=false`); otherwise it says plainly that it did not run.
 * The log is shared, so every test works in streams under its own unique prefix.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString) {
  testEventStore('EventStoreDB', async () => {
    const store = EsdbEventStore.fromConnectionString(connectionString);
    return { store, isolatedLog: false, cleanup: () => store.close() };
  });
} else {
  describe('EventStore contract: EventStoreDB', () => {
    it('is not configured (skipped: EVENTSTORE_CONNECTION_STRING unset)', () => {
      process.stdout.write('EventStoreDB contract suite NOT RUN: EVENTSTORE_CONNECTION_STRING is not set\n');
      expect(connectionString).toBeFalsy();
    });
  });
}
