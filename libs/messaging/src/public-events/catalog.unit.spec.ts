import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { RecordedEvent } from '@payments/event-store';
import { CATALOG, PUBLIC_EVENT_TYPES, toPublicEvent } from './catalog';

const SCHEMAS = join(__dirname, 'schemas');
const reason = { code: 'R01', description: 'Insufficient funds' };
const balances = { posted_minor: '102550', pending_minor: '-2500', available_minor: '100050', overdrawn: false };
const assetBalances = { balance: '5000000', held: '1000000', available: '4000000' };
const asset = { user_id: 'u-1', token_symbol: 'USDC', token_address: '0xA0b8', decimals: 6, movement_id: 'c-1', amount: '1000000', balances: assetBalances };
const money = (extra: Record<string, unknown> = {}) => ({ account_id: 'acc-1', user_id: 'u-1', currency: 'USD', movement_id: 'p-1', amount_minor: '2500', balances, ...extra });
const quote = { token_address: '0xA0b8', token_symbol: 'USDC', decimals: 6, precise_amount: '25000000', rate: '1', fx_quote: { base: 'USD', quote: 'USD', rate: '1' } };
const at = '2026-11-21T10:00:00.000Z';

/** A realistic payload for every internal event the catalog publishes (a new entry needs one here). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  AchPullRequested: { pull_id: 'p-1', user_id: 'u-1', amount_minor: '2500', currency: 'USD', via: 'LINKED_BANK_ACCOUNT', source: { link_id: 'l-1', account_id: 'a', mask: '0000' }, receiver_type: 'SELF' },
  AchPullSubmitted: { pull_id: 'p-1', user_id: 'u-1', provider_transfer_id: 'bt-1' },
  AchPullPending: { pull_id: 'p-1', user_id: 'u-1', provider_transfer_id: 'bt-1' },
  AchPullSettled: { pull_id: 'p-1', user_id: 'u-1', provider_transfer_id: 'bt-1', amount_minor: '2500', currency: 'USD' },
  AchPullFailed: { pull_id: 'p-1', user_id: 'u-1', reason },
  AchPullReturned: { pull_id: 'p-1', user_id: 'u-1', provider_transfer_id: 'bt-1', ach_return_code: 'R01', description: 'Insufficient funds', amount_minor: '2500', currency: 'USD' },
  AchPullCancelled: { pull_id: 'p-1', user_id: 'u-1' },
  AchPullCancelRequested: { pull_id: 'p-1', user_id: 'u-1' },
  AchPullCancelDeclined: { pull_id: 'p-1', user_id: 'u-1', reason: 'already posted' },
  CustomerRegistered: { customer_id: 'u-1', type: 'individual', first_name: 'Alex', last_name: 'Grey', email: 'alex@example.com', kyc_status: 'pending' },
  CustomerKycStatusChanged: { customer_id: 'u-1', kyc_status: 'approved', previous: 'pending' },
  CustomerCapabilityGranted: { customer_id: 'u-1', capability: 'AchOut3rdParty', reason: 'ops ticket' },
  CustomerCapabilityRevoked: { customer_id: 'u-1', capability: 'AchOut3rdParty' },
  RecipientRegistered: { user_id: 'u-1', recipient_id: 'r-1', fingerprint: 'hmac-fingerprint', registered_at: at },
  RecipientReleased: { user_id: 'u-1', recipient_id: 'r-1' },
  DefaultRecipientChanged: { user_id: 'u-1', recipient_id: null, previous_recipient_id: 'r-1' },
  TransferAbandoned: { transfer_id: 't-1', user_id: 'u-1', token_symbol: 'WEUR', reason, at },
  PayoutRequested: { payout_id: 'po-1', user_id: 'u-1', recipient_id: 'r-1', amount_minor: '100000', currency: 'NGN', rail: 'NGN_LOCAL', requested_at: at, expected_settlement: { earliest: '2026-11-21', latest: '2026-11-21' } },
  PayoutSubmitted: { payout_id: 'po-1', user_id: 'u-1', provider: 'sandbox', provider_payout_id: 'pp-1' },
  PayoutSettled: { payout_id: 'po-1', user_id: 'u-1', amount_minor: '100000', currency: 'NGN' },
  PayoutFailed: { payout_id: 'po-1', user_id: 'u-1', reason },
  PayoutReturned: { payout_id: 'po-1', user_id: 'u-1', amount_minor: '100000', currency: 'NGN', reason },
  PayoutAbandoned: { payout_id: 'po-1', user_id: 'u-1', currency: 'EUR', reason },
  TransferEstimated: { estimation_id: 't-1', user_id: 'u-1', account_id: 'u-1', amount_minor: '2500', currency: 'USD', estimated_amounts: [quote], estimated_at: at, expires_at: at, recipient_account: { sealed: true } },
  TransferInitiated: { transfer_id: 't-1', user_id: 'u-1', account_id: 'u-1', estimation_id: 't-1', amount_minor: '2500', currency: 'USD', quote, initiated_at: at },
  TransferCryptoOut: { transfer_id: 't-1', user_id: 'u-1', token_symbol: 'USDC', precise_amount: '25000000', at },
  TransferBankOutSubmitted: { transfer_id: 't-1', user_id: 'u-1', provider: 'sandbox', provider_transfer_id: 'bt-2', at },
  TransferCompleted: { transfer_id: 't-1', user_id: 'u-1', at },
  TransferFailed: { transfer_id: 't-1', user_id: 'u-1', step: 'BankOut', crypto_out: true, reason, at },
  BankLinkRequested: { link_id: 'l-1', user_id: 'u-1', link_token: 'link-sandbox-1', link_url: 'http://x', expires_at: at },
  BankLinkActivated: { link_id: 'l-1', user_id: 'u-1', link_token: 'lt', item_id: 'i', account_id: 'a', mask: '0000', account_name: 'Checking', account_subtype: 'checking', institution_id: 'ins_1', bank_name: 'First Platypus', access_token_encrypted: 'v1:secret' },
  BankLinkFailed: { link_id: 'l-1', user_id: 'u-1', link_token: 'lt', last_error: { error_code: 'INVALID_CREDENTIALS', error_message: 'bad' } },
  BankLinkUnlinked: { link_id: 'l-1', user_id: 'u-1', previous_status: 'ACTIVE' },
  AccountOpened: { account_id: 'acc-1', user_id: 'u-1', currency: 'USD', account_type: 'checking' },
  AccountCreditPending: money({ source: 'ACH_PULL' }),
  AccountCreditPosted: money({ source: 'ACH_PULL' }),
  AccountPendingCreditReversed: money({ source: 'ACH_PULL', outcome: 'FAILED', reason }),
  AccountCreditReversed: money({ source: 'ACH_PULL', reason, balances: { ...balances, posted_minor: '-500', available_minor: '-500', overdrawn: true } }),
  AccountHoldPlaced: money({ purpose: 'PAYOUT' }),
  AccountHoldReleased: money({ purpose: 'PAYOUT', outcome: 'CANCELLED', reason }),
  AccountHoldCaptured: money({ purpose: 'PAYOUT' }),
  AccountDebitReversed: money({ purpose: 'PAYOUT', reason }),
  RecipientAdded: {
    recipient_id: 'r-1',
    user_id: 'u-1',
    account_name: 'Bob',
    account: { currency: 'USD', transfer_method: 'ACH', account_number: { ciphertext: 'v1:cipher', last4: '6789' }, routing_number: { ciphertext: 'v1:cipher2', last4: '0021' }, account_type: 'Checking' },
    fingerprint: 'hmac',
    added_at: at,
  },
  RecipientRemoved: { recipient_id: 'r-1', user_id: 'u-1', removed_at: at },
  AssetCredited: { ...asset, source: 'OPS_SANDBOX' },
  AssetHoldPlaced: asset,
  AssetHoldCaptured: asset,
  AssetHoldReleased: { ...asset, reason },
  AssetDebitReversed: { ...asset, reason },
  RemittanceQuoted: { remittance_id: 'rm-1', user_id: 'u-1', source_currency: 'USD', target_currency: 'JPY', source_amount_minor: '10000', target_amount_minor: '15000', fixed_side: 'source', fx: { base: 'USD', quote: 'JPY', rate: '150' }, quoted_at: at, expires_at: at },
  RemittanceStarted: { remittance_id: 'rm-1', user_id: 'u-1', source_currency: 'USD', source_amount_minor: '10000', destination: { kind: 'beneficiary', first_name: 'A', last_name: 'B', country: 'JP', account_number_sealed: 'v1:x', account_last4: '4321' }, started_at: at },
  RemittanceSubmitted: { remittance_id: 'rm-1', user_id: 'u-1', provider: 'sandbox', provider_remittance_id: 'x' },
  RemittanceSettled: { remittance_id: 'rm-1', user_id: 'u-1', source_currency: 'USD', source_amount_minor: '10000' },
  RemittanceFailed: { remittance_id: 'rm-1', user_id: 'u-1', source_currency: 'USD', reason },
  RemittanceAbandoned: { remittance_id: 'rm-1', user_id: 'u-1', source_currency: 'USD', reason: { code: 'ORPHANED_HOLD', description: 'the remittance start did not complete within 300 s' }, at },
};

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: '6f1c2b1e-6a63-4f57-9a43-2f1f1f1f1f1f',
  type,
  data,
  metadata: { correlation_id: 'c', causation_id: 'c', actor: 'system:test', schema_version: 1, occurred_at: at },
  streamId: 'stream-1',
  revision: 0n,
  position: { commit: 7n, prepare: 42n },
  recordedAt: new Date(at),
});

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const schemaFile = (type: string, version: number) => join(SCHEMAS, `${type}.v${version}.json`);

describe('public event catalog', () => {
  it('has one schema file per public type and version, and no schema without an entry', () => {
    const expected = CATALOG.map((e) => `${e.publicType}.v${e.version}.json`).sort();
    expect(readdirSync(SCHEMAS).filter((f) => f.endsWith('.json')).sort()).toEqual([...new Set(expected)]);
    expect(new Set(CATALOG.map((e) => e.internalType)).size).toBe(CATALOG.length);
    expect(PUBLIC_EVENT_TYPES).toEqual(expect.arrayContaining(['ach_pull.initiated', 'ach_pull.pending', 'ach_pull.completed', 'ach_pull.failed', 'ach_pull.returned']));
  });

  it.each(CATALOG.map((e) => [e.internalType, e] as const))('%s maps to a payload that validates against its schema', (internalType, entry) => {
    const sample = SAMPLES[internalType];
    expect(sample).toBeDefined();
    const schema = JSON.parse(readFileSync(schemaFile(entry.publicType, entry.version), 'utf8')) as { $id: string };
    const event = toPublicEvent(recorded(internalType, sample));
    expect(event).not.toBeNull();
    expect(schema.$id).toBe(event!.dataschema);
    const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
    const valid = validate(event!.data);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(event).toMatchObject({ specversion: '1.0', id: '6f1c2b1e-6a63-4f57-9a43-2f1f1f1f1f1f', type: entry.publicType, subject: 'stream-1', time: at, position: '7:42' });
  });

  it('never lets ciphertext, access tokens or fingerprints leave, and shows bank numbers as last 4', () => {
    const all = JSON.stringify(CATALOG.map((e) => toPublicEvent(recorded(e.internalType, SAMPLES[e.internalType]))));
    for (const secret of ['v1:cipher', 'v1:secret', 'v1:x', 'hmac', 'link-sandbox-1']) expect(all).not.toContain(secret);
    expect(toPublicEvent(recorded('RecipientAdded', SAMPLES.RecipientAdded))!.data.account_last4).toBe('6789');
  });

  it('formats amounts in the currency exponent exactly (JPY has no decimals; negative balances keep their sign)', () => {
    expect(toPublicEvent(recorded('RemittanceQuoted', SAMPLES.RemittanceQuoted))!.data).toMatchObject({ source_amount: '100.00', target_amount: '15000' });
    expect(toPublicEvent(recorded('AccountCreditReversed', SAMPLES.AccountCreditReversed))!.data.balances).toMatchObject({ posted: '-5.00', overdrawn: true });
  });

  // The issue: "every domain event goes to Kafka payments.events". The internal types are read from the domain's
  // event unions, so a new event without a catalog entry fails here.
  it('publishes every domain event type, without names, e-mail or fingerprints', () => {
    const domain = join(__dirname, '../../../domain/src');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.includes('.spec.') ? [join(dir, d.name)] : []));
    const internal = new Set(files(domain).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/DomainEvent<\s*'([A-Za-z]+)'/g)].map((m) => m[1])));
    expect(internal.size).toBeGreaterThan(50);
    expect([...internal].filter((type) => !CATALOG.some((e) => e.internalType === type)).sort()).toEqual([]);
    const customer = JSON.stringify(toPublicEvent(recorded('CustomerRegistered', SAMPLES.CustomerRegistered)));
    for (const secret of ['Alex', 'Grey', 'alex@example.com']) expect(customer).not.toContain(secret);
    expect(JSON.stringify(toPublicEvent(recorded('RecipientRegistered', SAMPLES.RecipientRegistered)))).not.toContain('hmac-fingerprint');
  });
});
