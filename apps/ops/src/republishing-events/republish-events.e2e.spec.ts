/**
 * `ops republish` against a running service's database and Kafka: the CLI (a real child process) sends public events
 * again from a position, optionally of one stream only, and a downstream consumer reads them back from
 * `payments.events` (same ids, envelopes and keys as the live publisher's, marked with a `republished` header).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { bankLinkStreamId } from '@payments/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { createKafka, toPublicEvent } from '@payments/messaging';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { achPullDriver } from '../../../../test/support/ach-pull-driver';
import { testKafkaBrokers, uniqueName } from '../../../../test/support/kafka';
import { PublicEventsReader } from '../../../../test/support/public-events-reader';

const ROOT = resolve(__dirname, '../../../..');

describe('ops republish (real Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let store: EventStore;
  let reader: PublicEventsReader;
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-ops-republish-'));

  beforeAll(async () => {
    service = await startService('ops-republish', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    store = service.app.get<EventStore>(EVENT_STORE);
    reader = await PublicEventsReader.start(createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('republish-reader') }), `${service.topicPrefix}payments.events`);
  }, 180_000);
  afterAll(async () => {
    await reader?.stop();
    await db?.end();
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ops = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: testKafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: service.topicPrefix, LOG_LEVEL: 'warn' },
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const republished = () => reader.received.filter(({ message }) => message.headers.republished === 'true');
  const published = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ fromPosition: all.length ? all[all.length - 1].position : undefined, limit: 500 });
      if (page.length === 0) return all.filter((e) => toPublicEvent(e) !== null);
      all.push(...page);
    }
  };

  it('re-sends one stream from the start, then every stream from an event\'s position (inclusive)', async () => {
    const pulls = achPullDriver(service, db);
    await pulls.linkBankAccount('rp-1');
    await pulls.linkBankAccount('rp-2');
    const log = await published();
    const firstStream = bankLinkStreamId('rp-1');
    const ofStream = log.filter((e) => e.streamId === firstStream);
    expect(ofStream.length).toBeGreaterThanOrEqual(2);

    const one = await ops('republish', '--from', 'start', '--stream', firstStream);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(`republished ${ofStream.length} events`);
    await service.eventually(async () => republished().length >= ofStream.length, 30_000);
    expect(republished().map(({ event }) => event.id)).toEqual(ofStream.map((e) => e.id));
    expect(republished().every(({ message, event }) => message.key === firstStream && message.headers.event_id === event.id)).toBe(true);
    expect(republished()[0].event).toEqual(toPublicEvent(ofStream[0]));

    // From the position of the second user's link activation: that event and everything published after it.
    const from = log.findIndex((e) => e.streamId === bankLinkStreamId('rp-2') && e.type === 'BankLinkActivated');
    const position = toPublicEvent(log[from])!.position;
    const all = await ops('republish', '--from', position);
    expect(all.code).toBe(0);
    const expected = log.slice(from);
    await service.eventually(async () => republished().length >= ofStream.length + expected.length, 30_000);
    const second = republished().slice(ofStream.length).map(({ event }) => event.id);
    expect([...second].sort()).toEqual(expected.map((e) => e.id).sort());
    // Per stream, in log order.
    for (const stream of new Set(expected.map((e) => e.streamId))) {
      const ids = republished().slice(ofStream.length).filter(({ event }) => event.subject === stream).map(({ event }) => event.id);
      expect(ids).toEqual(expected.filter((e) => e.streamId === stream).map((e) => e.id));
    }
  }, 240_000);

  it('refuses a position it cannot read, and sends nothing', async () => {
    const before = republished().length;
    const bad = await ops('republish', '--from', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must be');
    expect(republished().length).toBe(before);
  }, 120_000);
});
