/**
 * Recipients over HTTP against the whole service (API, worker projections, Kafka, provider-sandbox, real Postgres):
 * save in each currency, list, read, set the default, delete; the validation battery; duplicates; other users;
 * and that no full account or routing number is ever in a response or anywhere in the database.
 */
import { Client, Pool } from 'pg';
import {
  parseRecipientAccount,
  recipientDecider,
  recipientIndexDecider,
  recipientIndexStreamId,
  recipientStreamId,
  sealRecipientAccount,
  STALE_CLAIM_AFTER_MS,
} from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore } from '@payments/event-store';
import { PG_POOL, rebuildProjection, recipientsProjection } from '@payments/read-models';
import { FIELD_CIPHER, FINGERPRINTER } from '@payments/providers/nest/provider-tokens';
import { FieldCipher, Fingerprinter } from '@payments/security';
import {
  abaRoutingNumber,
  dashedSortCode,
  groupedIban,
  nuban,
  recordRecipientNumber,
  sepaIban,
  sortCode,
  ukAccountNumber,
  usAccountNumber,
} from '../../../../test/support/recipient-numbers';
import { ServiceHarness, startService, TestResponse } from '../../../../test/support/service-harness';

interface RecipientBody {
  uuid: string;
  account_name: string;
  main_recipient: boolean;
  status: string;
  account_details: Record<string, string>;
  created_at: string;
}

/**
 * Every full account identifier and routing code saved below, from test/support/recipient-numbers (fresh valid ones,
 * recorded for the run's leak check; the seed's example spelled out): none may leave the API or sit in the database.
 */
const NUMBERS = {
  usAccount: usAccountNumber(),
  usRouting: abaRoutingNumber(),
  seedAccount: recordRecipientNumber('account_number', '12365498'),
  seedRouting: recordRecipientNumber('routing_number', '026009593'),
  iban: sepaIban(),
  ukAccount: ukAccountNumber(),
  sortCode: sortCode(),
  nuban: nuban('058'),
  dupAccount: usAccountNumber(),
  orphanAccount: usAccountNumber(),
  inFlightAccount: usAccountNumber(),
  halfRemovedAccount: usAccountNumber(),
  payrollAccount: usAccountNumber(9),
  bobAccount: usAccountNumber(14),
  carolAccount: usAccountNumber(14),
} as const;
const last4 = (number: string) => `****${number.slice(-4)}`;

const usd = (account_number: string = NUMBERS.usAccount, routing_number: string = NUMBERS.usRouting) => ({
  currency: 'USD',
  transfer_method: 'ACH',
  account_number,
  routing_number,
  account_type: 'Checking',
  recipient_relationship: 'Customer',
});
const eur = { currency: 'EUR', transfer_method: 'SEPA', iban: groupedIban(NUMBERS.iban), bic: 'COBADEFF' };
const gbp = { currency: 'GBP', transfer_method: 'FPS', account_number: NUMBERS.ukAccount, sort_code: dashedSortCode(NUMBERS.sortCode) };
const ngn = { currency: 'NGN', transfer_method: 'Local', account_number: NUMBERS.nuban, bank_code: '058' };

describe('Recipients: /user/bank-account/remote', () => {
  let service: ServiceHarness;
  let db: Client;
  /** The raw text of every response this file receives (checked for full numbers at the end). */
  const responses: string[] = [];

  async function call<T>(method: string, path: string, userId: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>> {
    const response = await service.request<T>(method, path, { userId, body, headers });
    responses.push(JSON.stringify(response.body ?? null));
    return response;
  }
  const create = (userId: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    call<RecipientBody>('POST', '/user/bank-account/remote', userId, body, headers);
  const list = (userId: string) => call<RecipientBody[]>('GET', '/user/bank-account/remote', userId);
  const get = (userId: string, uuid: string) => call<RecipientBody>('GET', `/user/bank-account/remote/${uuid}`, userId);
  const setDefault = (userId: string, body: Record<string, unknown>) => call<RecipientBody>('PATCH', '/user/bank-account/remote', userId, body);
  const remove = (userId: string, uuid: string) => call<{ uuid: string; status: string }>('DELETE', `/user/bank-account/remote/${uuid}`, userId);

  const eventCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const streamTypes = async (streamId: string) =>
    (await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [streamId])).rows.map((r) => r.type);
  /** Waits until the read model shows exactly these recipients (and returns them). */
  const listedAs = (userId: string, uuids: string[]) =>
    service.eventually(async () => {
      const r = await list(userId);
      const listed = r.body.map((x) => x.uuid).sort();
      return JSON.stringify(listed) === JSON.stringify([...uuids].sort()) && r.body;
    });
  const defaultsOf = async (userId: string) => (await list(userId)).body.filter((r) => r.main_recipient).map((r) => r.uuid);
  /** Waits until the read model shows exactly these default recipients (none, or one). */
  const defaultsBecome = (userId: string, expected: string[]) =>
    service.eventually(async () => JSON.stringify(await defaultsOf(userId)) === JSON.stringify(expected));

  beforeAll(async () => {
    service = await startService('recipients');
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  describe('saving, reading and listing', () => {
    const created: Record<string, RecipientBody> = {};

    it('saves the seed\'s USD/ACH example as the main recipient: 201, numbers as last 4 only', async () => {
      const r = await create('alice', { account_name: 'Main Bank Account', main_recipient: true, account_details: usd(NUMBERS.seedAccount, NUMBERS.seedRouting) });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        account_name: 'Main Bank Account',
        main_recipient: true,
        status: 'ACTIVE',
        account_details: {
          currency: 'USD',
          transfer_method: 'ACH',
          account_number: '****5498',
          routing_number: '****9593',
          account_type: 'Checking',
          recipient_relationship: 'Customer',
        },
        created_at: expect.any(String),
      });
      created.usd = r.body;
    });

    it('saves EUR/SEPA, GBP/FPS and NGN/Local recipients with their rail fields', async () => {
      const e = await create('alice', { account_name: 'Berlin', account_details: eur });
      expect(e.status).toBe(201);
      expect(e.body.main_recipient).toBe(false);
      expect(e.body.account_details).toEqual({ currency: 'EUR', transfer_method: 'SEPA', iban: last4(NUMBERS.iban), bic: 'COBADEFF' });
      const g = await create('alice', { account_name: 'London', account_details: gbp });
      expect(g.status).toBe(201);
      expect(g.body.account_details).toEqual({ currency: 'GBP', transfer_method: 'FPS', account_number: last4(NUMBERS.ukAccount), sort_code: last4(NUMBERS.sortCode) });
      const n = await create('alice', { account_name: 'Lagos', account_details: ngn });
      expect(n.status).toBe(201);
      expect(n.body.account_details).toEqual({ currency: 'NGN', transfer_method: 'Local', account_number: last4(NUMBERS.nuban), bank_code: '058' });
      Object.assign(created, { eur: e.body, gbp: g.body, ngn: n.body });
    });

    it('lists them (oldest first) and reads each back as it was created', async () => {
      const all = await listedAs('alice', Object.values(created).map((r) => r.uuid));
      expect(all.map((r) => r.account_name)).toEqual(['Main Bank Account', 'Berlin', 'London', 'Lagos']);
      for (const recipient of Object.values(created)) {
        const r = await get('alice', recipient.uuid);
        expect(r.status).toBe(200);
        expect(r.body).toEqual(recipient);
      }
      expect((await list('nobody-yet')).body).toEqual([]);
    });

    it('stores the account in the read model encrypted, with its last 4 and a fingerprint', async () => {
      const { rows } = await db.query('SELECT account, fingerprint, is_default, status FROM recipients WHERE recipient_id = $1', [created.usd.uuid]);
      expect(rows[0]).toMatchObject({ is_default: true, status: 'ACTIVE', fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      const cipher = new FieldCipher(Buffer.from(service.encryptionKey, 'base64'));
      expect(rows[0].account.account_number.last4).toBe('5498');
      expect(cipher.decrypt(rows[0].account.account_number.ciphertext, `recipient:${created.usd.uuid}:account_number`)).toBe(NUMBERS.seedAccount);
      expect(cipher.decrypt(rows[0].account.routing_number.ciphertext, `recipient:${created.usd.uuid}:routing_number`)).toBe(NUMBERS.seedRouting);
    });

    it('documents the endpoints and the rail fields in the OpenAPI document', async () => {
      const docs = await service.request<{ paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(
        'GET',
        '/docs-json',
        { key: null },
      );
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths['/user/bank-account/remote']).sort()).toEqual(['get', 'patch', 'post']);
      expect(Object.keys(docs.body.paths['/user/bank-account/remote/{uuid}']).sort()).toEqual(['delete', 'get']);
      expect(Object.keys(docs.body.components.schemas.RecipientAccountDetailsRequest.properties)).toEqual(
        expect.arrayContaining(['currency', 'transfer_method', 'account_number', 'routing_number', 'iban', 'bic', 'sort_code', 'bank_code']),
      );
    });

    it('honours Idempotency-Key: a retry gets the same recipient, one RecipientAdded; another body with the key is 422', async () => {
      const headers = { 'idempotency-key': 'save-recipient-once' };
      const body = { account_name: 'Payroll Account', account_details: usd(NUMBERS.payrollAccount, NUMBERS.seedRouting) };
      const first = await create('alice', body, headers);
      expect(first.status).toBe(201);
      const again = await create('alice', body, headers);
      expect(again.status).toBe(201);
      expect(again.body.uuid).toBe(first.body.uuid);
      expect(again.headers.get('idempotency-replayed')).toBe('true');
      expect(await streamTypes(`recipient-${first.body.uuid}`)).toEqual(['RecipientAdded']);
      const reused = await create('alice', { ...body, account_name: 'Other name' }, headers);
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ error_reason: 'ErrorIdempotencyKeyReused' });
    });
  });

  describe('the validation battery: 400 in the seed\'s error shape, nothing appended', () => {
    let before: number;
    beforeEach(async () => {
      before = await eventCount();
    });
    afterEach(async () => {
      expect(await eventCount()).toBe(before);
      expect((await db.query(`SELECT count(*)::int AS n FROM recipients WHERE user_id = 'battery'`)).rows[0].n).toBe(0);
    });

    const details = (account_details: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ account_name: 'Bad', account_details, ...extra });

    it.each([
      ['a bad ABA checksum', details(usd('987654321', '021000022')), 'ErrorInvalidField', 'account_details.routing_number', 'invalid_checksum'],
      ['an IBAN with a wrong check digit', details({ ...eur, iban: 'DE88370400440532013000' }), 'ErrorInvalidField', 'account_details.iban', 'invalid_checksum'],
      ['a GBP sort code of 5 digits', details({ ...gbp, sort_code: '60161' }), 'ErrorInvalidField', 'account_details.sort_code', 'format'],
      ['an NGN NUBAN with a wrong check digit', details({ ...ngn, account_number: '0123456784' }), 'ErrorInvalidField', 'account_details.account_number', 'invalid_check_digit'],
      ['an EUR recipient with transfer_method ACH', details({ ...eur, transfer_method: 'ACH' }), 'ErrorInvalidField', 'account_details.transfer_method', 'currency_mismatch'],
      ['a US account number of 3 digits', details(usd('123')), 'ErrorInvalidField', 'account_details.account_number', 'format'],
      ['an IBAN outside SEPA', details({ ...eur, iban: 'BR1800360305000010009795493C1' }), 'ErrorInvalidField', 'account_details.iban', 'unsupported_country'],
      ['a routing number on a SEPA recipient', details({ ...eur, routing_number: NUMBERS.usRouting }), 'ErrorInvalidField', 'account_details.routing_number', 'not_allowed_for_transfer_method'],
      ['ACH without account_type', details({ ...usd(), account_type: undefined }), 'ErrorMissingField', 'account_details.account_type', 'required_for_ach'],
      ['an unknown currency', details({ ...usd(), currency: 'CHF' }), 'ErrorInvalidField', 'account_details.currency', 'must_be_one_of'],
      ['an unknown top-level field', details(usd(), { nickname: 'x' }), 'ErrorUnknownField', 'nickname', 'not_allowed'],
      ['an unknown field in account_details', details({ ...usd(), swift: 'COBADEFF' }), 'ErrorUnknownField', 'account_details.swift', 'not_allowed'],
      ['an account number sent as a JSON number', details({ ...usd(), account_number: 987654321 }), 'ErrorInvalidField', 'account_details.account_number', 'type'],
      ['no account_details', { account_name: 'Bad' }, 'ErrorMissingField', 'account_details', 'required'],
      ['an empty account_name', details(usd(), { account_name: '  ' }), 'ErrorInvalidField', 'account_name', 'empty'],
    ])('%s', async (_name, body, reason, field, issue) => {
      const r = await create('battery', body as Record<string, unknown>);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error_reason: reason,
        error_description: expect.any(String),
        error_category: { category: 'CategoryValidationFailure', http_status_code: 400 },
        error_details: expect.arrayContaining([
          { key: 'field', details: field },
          { key: 'issue', details: issue },
        ]),
      });
    });

    it('refuses a PATCH without a valid uuid or with an unknown field', async () => {
      expect((await setDefault('battery', {})).status).toBe(400);
      expect((await setDefault('battery', { uuid: 'not-a-uuid' })).status).toBe(400);
      const unknown = await setDefault('battery', { uuid: '6f1b7a52-3c1e-4f7e-9a0c-000000000000', make_default: true });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ error_reason: 'ErrorUnknownField' });
    });
  });

  describe('duplicates (same account, keyed fingerprint) are refused with 409', () => {
    it('refuses the same account again, whatever its name, naming the recipient that has it; nothing appended', async () => {
      const first = await create('dup-user', { account_name: 'First', account_details: usd(NUMBERS.dupAccount) });
      expect(first.status).toBe(201);
      const before = await eventCount();
      const again = await create('dup-user', { account_name: 'Second', main_recipient: true, account_details: { ...usd(NUMBERS.dupAccount), account_type: 'Savings' } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        error_reason: 'ErrorAlreadyExists',
        error_category: { category: 'CategoryConflict', http_status_code: 409 },
        error_details: expect.arrayContaining([
          { key: 'issue', details: 'duplicate_recipient' },
          { key: 'recipient_uuid', details: first.body.uuid },
        ]),
      });
      expect(await eventCount()).toBe(before);
      // The same account at another routing number is another account; another user may save this one too.
      expect((await create('dup-user', { account_name: 'Other bank', account_details: usd(NUMBERS.dupAccount, NUMBERS.seedRouting) })).status).toBe(201);
      expect((await create('dup-other', { account_name: 'Shared', account_details: usd(NUMBERS.dupAccount) })).status).toBe(201);
    });

    it('recognises an IBAN written differently (spaces, lower case) as the same account', async () => {
      expect((await create('dup-user', { account_name: 'EUR', account_details: { ...eur, bic: undefined } })).status).toBe(201);
      const again = await create('dup-user', { account_name: 'EUR again', account_details: { ...eur, iban: NUMBERS.iban.toLowerCase() } });
      expect(again.status).toBe(409);
    });

    it('lets exactly one of five concurrent saves of the same account through', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => create('dup-race', { account_name: `Race ${i}`, main_recipient: true, account_details: gbp })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const winner = results.find((r) => r.status === 201)!.body;
      await listedAs('dup-race', [winner.uuid]);
      expect(await defaultsOf('dup-race')).toEqual([winner.uuid]);
    });

    it('frees the account once its recipient is deleted', async () => {
      const saved = await create('dup-free', { account_name: 'Once', account_details: ngn });
      expect((await remove('dup-free', saved.body.uuid)).status).toBe(200);
      const again = await create('dup-free', { account_name: 'Twice', account_details: ngn });
      expect(again.status).toBe(201);
      expect(again.body.uuid).not.toBe(saved.body.uuid);
    });
  });

  describe('one default per user', () => {
    const ids: string[] = [];
    beforeAll(async () => {
      for (const [i, details] of [usd(), eur, gbp, ngn].entries()) {
        const r = await create('bob', { account_name: `Bob ${i}`, main_recipient: i === 0, account_details: details });
        expect(r.status).toBe(201);
        ids.push(r.body.uuid);
      }
      await listedAs('bob', ids);
    });

    it('PATCH moves the default to the named recipient and the previous one stops being it', async () => {
      expect(await defaultsOf('bob')).toEqual([ids[0]]);
      const r = await setDefault('bob', { uuid: ids[2] });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ uuid: ids[2], main_recipient: true, account_details: { currency: 'GBP', account_number: last4(NUMBERS.ukAccount) } });
      await defaultsBecome('bob', [ids[2]]);
      expect((await get('bob', ids[0])).body.main_recipient).toBe(false);
    });

    it('a new main recipient takes the default over', async () => {
      const r = await create('bob', { account_name: 'Bob new main', main_recipient: true, account_details: usd(NUMBERS.bobAccount) });
      expect(r.status).toBe(201);
      expect(r.body.main_recipient).toBe(true);
      ids.push(r.body.uuid);
      await listedAs('bob', ids);
      await defaultsBecome('bob', [r.body.uuid]);
    });

    it('concurrent PATCHes leave exactly one default: the last one decided, each seeing the one before', async () => {
      const results = await Promise.all(ids.map((uuid) => setDefault('bob', { uuid })));
      expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
      const { rows } = await db.query<{ revision: string; data: { recipient_id: string | null; previous_recipient_id: string | null } }>(
        `SELECT stream_revision::text AS revision, data FROM events WHERE stream_id = 'recipients-bob' AND type = 'DefaultRecipientChanged' ORDER BY stream_revision`,
      );
      for (let i = 1; i < rows.length; i++) expect(rows[i].data.previous_recipient_id).toBe(rows[i - 1].data.recipient_id);
      const last = rows[rows.length - 1].data.recipient_id;
      expect(ids).toContain(last);
      // Wait for the read model to reach the LAST change, not merely to show its recipient: the last PATCH can name the
      // default from before the test (the read model then shows it before it has seen the others; seen as a flake).
      const lastRevision = rows[rows.length - 1].revision;
      await service.eventually(
        async () => (await db.query<{ r: string }>(`SELECT index_revision::text AS r FROM recipient_defaults WHERE user_id = 'bob'`)).rows[0]?.r === lastRevision,
      );
      await defaultsBecome('bob', [last as string]);
      expect((await db.query(`SELECT count(*)::int AS n FROM recipients WHERE user_id = 'bob' AND is_default`)).rows[0].n).toBe(1);
    });

    it('main_recipient false on the default leaves the user without one', async () => {
      const current = (await defaultsOf('bob'))[0];
      const r = await setDefault('bob', { uuid: current, main_recipient: false });
      expect(r.status).toBe(200);
      expect(r.body.main_recipient).toBe(false);
      await defaultsBecome('bob', []);
    });

    it('deleting the default recipient leaves no default behind', async () => {
      expect((await setDefault('bob', { uuid: ids[1] })).status).toBe(200);
      const deleted = await remove('bob', ids[1]);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ uuid: ids[1], status: 'DELETED' });
      await listedAs('bob', ids.filter((id) => id !== ids[1]));
      expect(await defaultsOf('bob')).toEqual([]);
      expect(await streamTypes(`recipient-${ids[1]}`)).toEqual(['RecipientAdded', 'RecipientRemoved']);
      expect((await streamTypes('recipients-bob')).slice(-2)).toEqual(['RecipientReleased', 'DefaultRecipientChanged']);
    });
  });

  describe('deleting and other users', () => {
    let carols: string;
    beforeAll(async () => {
      carols = (await create('carol', { account_name: 'Carol', main_recipient: true, account_details: usd(NUMBERS.carolAccount) })).body.uuid;
      await listedAs('carol', [carols]);
    });

    it('another user can neither see, set as default nor delete it (404), and nothing is appended', async () => {
      const before = await eventCount();
      expect((await get('mallory', carols)).status).toBe(404);
      expect((await list('mallory')).body).toEqual([]);
      const patch = await setDefault('mallory', { uuid: carols });
      expect(patch.status).toBe(404);
      expect(patch.body).toMatchObject({ error_reason: 'ErrorNotFound', error_category: { category: 'CategoryNotFound', http_status_code: 404 } });
      expect((await remove('mallory', carols)).status).toBe(404);
      expect(await eventCount()).toBe(before);
      expect((await get('carol', carols)).body.main_recipient).toBe(true);
    });

    it('an unknown recipient is 404 and a malformed id 400', async () => {
      const unknown = '6f1b7a52-3c1e-4f7e-9a0c-000000000000';
      expect((await get('carol', unknown)).status).toBe(404);
      expect((await setDefault('carol', { uuid: unknown })).status).toBe(404);
      expect((await remove('carol', unknown)).status).toBe(404);
      expect((await get('carol', 'not-a-uuid')).status).toBe(400);
    });

    it('deletes once: then it is gone from reads, a second DELETE and a PATCH are 404', async () => {
      expect((await remove('carol', carols)).status).toBe(200);
      await service.eventually(async () => (await get('carol', carols)).status === 404);
      expect((await list('carol')).body).toEqual([]);
      expect((await remove('carol', carols)).status).toBe(404);
      expect((await setDefault('carol', { uuid: carols })).status).toBe(404);
      expect((await db.query('SELECT status FROM recipients WHERE recipient_id = $1', [carols])).rows[0].status).toBe('DELETED');
    });
  });

  describe('writes interrupted between the index and the recipient stream heal on the next request', () => {
    let commands: CommandProcessor;
    const context = { correlationId: 'interrupted-write-test', actor: 'test' };
    /** The user's index claims this account for `recipientId`, as the first write of an add does. */
    async function claim(userId: string, recipientId: string, details: Record<string, unknown>, registeredAt: Date) {
      const cipher = service.app.get<FieldCipher>(FIELD_CIPHER);
      const fingerprinter = service.app.get<Fingerprinter>(FINGERPRINTER);
      const { fingerprint } = sealRecipientAccount(parseRecipientAccount(details), recipientId, {
        encrypt: (plaintext, ctx) => cipher.encrypt(plaintext, ctx),
        fingerprint: (...parts) => fingerprinter.fingerprint(...parts),
      });
      await commands.execute(
        recipientIndexStreamId(userId),
        recipientIndexDecider,
        { type: 'RegisterRecipient', data: { user_id: userId, recipient_id: recipientId, fingerprint, main_recipient: false }, now: registeredAt },
        context,
      );
    }
    beforeAll(() => {
      commands = service.app.get(CommandProcessor);
    });

    it('an add that died after claiming the account: the next add of that account completes it under the claimed id', async () => {
      const orphan = '6f1b7a52-3c1e-4f7e-9a0c-0000000000a1';
      await claim('dave', orphan, usd(NUMBERS.orphanAccount), new Date(Date.now() - STALE_CLAIM_AFTER_MS - 60_000));
      expect((await get('dave', orphan)).status).toBe(404);
      const r = await create('dave', { account_name: 'Completed', main_recipient: true, account_details: usd(NUMBERS.orphanAccount) });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ uuid: orphan, account_name: 'Completed', main_recipient: true, account_details: { account_number: last4(NUMBERS.orphanAccount) } });
      expect(await streamTypes(recipientStreamId(orphan))).toEqual(['RecipientAdded']);
      await listedAs('dave', [orphan]);
      await defaultsBecome('dave', [orphan]);
      const again = await create('dave', { account_name: 'Again', account_details: usd(NUMBERS.orphanAccount) });
      expect(again.status).toBe(409);
    });

    it('a claim younger than STALE_CLAIM_AFTER_MS is an add in flight: the same account is a duplicate', async () => {
      const inFlight = '6f1b7a52-3c1e-4f7e-9a0c-0000000000a2';
      await claim('dave', inFlight, usd(NUMBERS.inFlightAccount), new Date());
      const r = await create('dave', { account_name: 'Racing', account_details: usd(NUMBERS.inFlightAccount) });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error_details: expect.arrayContaining([{ key: 'recipient_uuid', details: inFlight }]) });
      expect(await streamTypes(recipientStreamId(inFlight))).toEqual([]);
    });

    it('a DELETE that died after removing the recipient: the account can be saved again and a repeated DELETE finishes the release', async () => {
      const first = await create('erin', { account_name: 'Half removed', main_recipient: true, account_details: usd(NUMBERS.halfRemovedAccount) });
      expect(first.status).toBe(201);
      await commands.execute(recipientStreamId(first.body.uuid), recipientDecider, { type: 'RemoveRecipient', data: { user_id: 'erin' }, now: new Date() }, context);
      const again = await create('erin', { account_name: 'Saved again', account_details: usd(NUMBERS.halfRemovedAccount) });
      expect(again.status).toBe(201);
      expect(again.body.uuid).not.toBe(first.body.uuid);
      expect(await streamTypes(recipientIndexStreamId('erin'))).toEqual([
        'RecipientRegistered',
        'DefaultRecipientChanged',
        'RecipientReleased',
        'DefaultRecipientChanged',
        'RecipientRegistered',
      ]);
      await listedAs('erin', [again.body.uuid]);
      expect(await defaultsOf('erin')).toEqual([]);
      expect((await remove('erin', first.body.uuid)).status).toBe(404);
    });
  });

  describe('the recipients read model', () => {
    const snapshot = async () => ({
      recipients: (await db.query('SELECT * FROM recipients ORDER BY recipient_id')).rows,
      defaults: (await db.query('SELECT * FROM recipient_defaults ORDER BY user_id')).rows,
    });

    it('applying recipient events a second time changes nothing', async () => {
      await defaultsBecome('dave', ['6f1b7a52-3c1e-4f7e-9a0c-0000000000a1']);
      const before = await snapshot();
      const store = service.app.get<EventStore>(EVENT_STORE);
      const events = (await store.readAll({ limit: 10_000 })).filter((e) => e.streamId.startsWith('recipient'));
      expect(events.length).toBeGreaterThan(40);
      const client = await service.app.get<Pool>(PG_POOL).connect();
      try {
        for (const event of events) await recipientsProjection.apply(client, event);
      } finally {
        client.release();
      }
      expect(await snapshot()).toEqual(before);
    });

    it('rebuilt from position 0 it equals the live tables', async () => {
      const live = await snapshot();
      expect(live.recipients.length).toBeGreaterThan(20);
      await rebuildProjection(service.app.get<EventStore>(EVENT_STORE), service.app.get<Pool>(PG_POOL), recipientsProjection);
      expect(await snapshot()).toEqual(live);
    });
  });

  describe('no full account number anywhere', () => {
    /** Ciphertexts (v1.iv.tag.body) and 43-character keyed fingerprints are random-looking text that may hold digit runs. */
    const withoutCiphertexts = (text: string) =>
      text
        .split(/[^A-Za-z0-9_.-]+/)
        .filter((token) => !/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) && !/^[A-Za-z0-9_-]{43}$/.test(token))
        .join(' ');
    const leaks = (text: string) => Object.values(NUMBERS).filter((number) => text.includes(number) || text.includes(number.toLowerCase()));

    it('is in no API response of this file', () => {
      expect(responses.length).toBeGreaterThan(50);
      expect(leaks(responses.join('\n'))).toEqual([]);
      expect(responses.join('\n')).not.toContain(dashedSortCode(NUMBERS.sortCode));
      expect(responses.join('\n')).not.toContain(groupedIban(NUMBERS.iban).slice(0, 9));
    });

    it('is in no row of any table: events, recipients, idempotency records, everything', async () => {
      const { rows: tables } = await db.query<{ name: string }>(`SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public'`);
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['events', 'recipients', 'recipient_defaults', 'idempotency_keys']));
      const dumped: string[] = [];
      for (const { name } of tables) {
        const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
        dumped.push(...rows.map((r) => r.row));
      }
      const text = dumped.join('\n');
      expect(text).toContain('RecipientAdded');
      expect(text).toMatch(/"last4": ?"5498"/);
      expect(leaks(withoutCiphertexts(text))).toEqual([]);
      expect(text).not.toContain(dashedSortCode(NUMBERS.sortCode));
    });
  });
});
