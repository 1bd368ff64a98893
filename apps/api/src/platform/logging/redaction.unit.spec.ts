import { Writable } from 'node:stream';
import { Secret } from '@payments/config';
import { createPinoLogger, NestPinoLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createPinoLogger({ level: 'debug', destination }), lines };
}

const API_KEY = 'pk_' + 'A1b2C3d4'.repeat(5) + 'xyz';
const SECRETS = {
  apiKey: API_KEY,
  accountNumber: '000123456789',
  routingNumber: '011000015',
  accessToken: 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970',
  publicToken: 'public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d',
  plaidSecret: 'plaid-secret-0f0f0f0f0f',
  linkToken: 'link-sandbox-af1a0311-da53-4636-b754-dd15cc058176',
  password: 'hunter2-hunter2',
  iban: 'DE89370400440532013000',
  sortCode: '60-16-13',
};

describe('log redaction', () => {
  it('never writes credentials or bank numbers, at any depth, while keeping the rest', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        correlation_id: 'corr-1',
        req: { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'x-user-id': 'user_1' } },
        body: {
          amount: 2500,
          recipient_account: { account_number: SECRETS.accountNumber, routing_number: SECRETS.routingNumber, last4: '6789' },
          account_details: { iban: SECRETS.iban, sortCode: SECRETS.sortCode, bic: 'COBADEFF' },
          access_token: SECRETS.accessToken,
          public_token: SECRETS.publicToken,
          link_token: SECRETS.linkToken,
          items: [{ nested: { deeper: { secret: SECRETS.plaidSecret, password: SECRETS.password } } }],
        },
        config: { plaidSecret: new Secret(SECRETS.plaidSecret) },
      },
      'calling provider',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0];
    for (const value of Object.values(SECRETS)) expect(line).not.toContain(value);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({
      level: 'info',
      msg: 'calling provider',
      correlation_id: 'corr-1',
      req: { method: 'POST', headers: { authorization: '[REDACTED]', 'x-user-id': 'user_1' } },
      body: {
        amount: 2500,
        recipient_account: { account_number: '[REDACTED]', routing_number: '[REDACTED]', last4: '6789' },
        account_details: { iban: '[REDACTED]', sortCode: '[REDACTED]', bic: 'COBADEFF' },
        access_token: '[REDACTED]',
      },
    });
  });

  it('scrubs errors (an HTTP client error carrying the request body and headers) and messages', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error(`request failed for key ${API_KEY}`), {
      config: {
        headers: { 'PLAID-SECRET': SECRETS.plaidSecret, 'Content-Type': 'application/json' },
        data: JSON.stringify({
          client_id: 'client-1',
          secret: SECRETS.plaidSecret,
          access_token: SECRETS.accessToken,
          account_number: SECRETS.accountNumber,
          account_details: { iban: SECRETS.iban, sort_code: SECRETS.sortCode },
        }),
      },
      response: { status: 400, data: { error_code: 'INVALID_FIELD' } },
    });
    logger.error({ err: error }, `provider call with Bearer ${API_KEY} failed`);
    new NestPinoLogger(logger).error(`ops key ${API_KEY} rejected`, error.stack, 'Test');
    expect(lines).toHaveLength(2);
    for (const line of lines) for (const value of Object.values(SECRETS)) expect(line).not.toContain(value);
    const parsed = JSON.parse(lines[0]);
    expect(parsed.err.message).toContain('[REDACTED]');
    expect(parsed.err.config.data).toContain('client-1');
    expect(parsed.err.response).toEqual({ status: 400, data: { error_code: 'INVALID_FIELD' } });
  });

  it('redacts bindings of child loggers too', () => {
    const { logger, lines } = capture();
    logger.child({ access_token: SECRETS.accessToken, item: 'item-1' }).info('child line');
    expect(lines[0]).not.toContain(SECRETS.accessToken);
    expect(JSON.parse(lines[0])).toMatchObject({ item: 'item-1', access_token: '[REDACTED]' });
  });
});
