import { logLevel } from 'kafkajs';
import { createKafka, kafkaLogCreator } from './kafka';
import type { MessagingLogger } from './messaging-logger';

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: MessagingLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('kafkaLogCreator', () => {
  it('routes kafkajs logs by level and never passes credentials or payloads through', () => {
    const { logger, lines } = recordingLogger();
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: '2026-11-21T00:00:00.000Z',
        message: 'Connection error',
        broker: '127.0.0.1:9092',
        sasl: { mechanism: 'plain', username: 'svc', password: 'hunter2' },
        nested: { ssl: { key: 'PRIVATE KEY' }, apiKey: 3, token: 'abc' },
        messages: [{ value: 'account 000123456789' }],
        error: new Error('ECONNREFUSED'),
      },
    });
    log({ namespace: 'Runner', level: logLevel.DEBUG, label: 'DEBUG', log: { timestamp: 't', message: 'fetching' } });

    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['error', 'kafkajs: Connection error'],
      ['debug', 'kafkajs: fetching'],
    ]);
    expect(lines[0].fields).toEqual({
      kafka_namespace: 'Connection',
      broker: '127.0.0.1:9092',
      sasl: '[redacted]',
      nested: { ssl: '[redacted]', apiKey: 3, token: '[redacted]' },
      messages: '[redacted]',
      error: { name: 'Error', message: 'ECONNREFUSED' },
    });
    const serialized = JSON.stringify(lines);
    for (const secret of ['hunter2', 'PRIVATE KEY', '000123456789']) expect(serialized).not.toContain(secret);
  });
});

describe('createKafka', () => {
  it('needs at least one broker', () => {
    expect(() => createKafka({ brokers: [], clientId: 'x' })).toThrow(/broker/);
  });
});
