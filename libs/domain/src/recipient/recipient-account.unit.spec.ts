import { randomBytes, createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { domainErrorOf } from '../testing/decider-spec';
import { openRecipientAccount, parseRecipientAccount, RecipientAccountInput, RecipientSealer, sealRecipientAccount } from './recipient-account';

const ach: RecipientAccountInput = {
  currency: 'USD',
  transfer_method: 'ACH',
  account_number: '12365498',
  routing_number: '026009593',
  account_type: 'Checking',
  recipient_relationship: 'Customer',
};
const sepa: RecipientAccountInput = { currency: 'EUR', transfer_method: 'SEPA', iban: 'DE89 3704 0044 0532 0130 00', bic: 'cobadeff' };
const fps: RecipientAccountInput = { currency: 'GBP', transfer_method: 'FPS', account_number: '31926819', sort_code: '60-16-13' };
const local: RecipientAccountInput = { currency: 'NGN', transfer_method: 'Local', account_number: '0123456785', bank_code: '058' };

function expectProblem(input: RecipientAccountInput, field: string, issue: string, reason = 'ErrorInvalidField'): void {
  const error = domainErrorOf(() => parseRecipientAccount(input));
  expect(error.reason).toBe(reason);
  expect(error.details).toEqual([
    { key: 'field', details: field },
    { key: 'issue', details: issue },
  ]);
}

describe('parseRecipientAccount', () => {
  it('takes the seed\'s USD/ACH example as it is', () => {
    expect(parseRecipientAccount(ach)).toEqual(ach);
  });

  it('normalises EUR/SEPA (IBAN without spaces, BIC upper case), GBP/FPS (sort code digits) and takes NGN/Local', () => {
    expect(parseRecipientAccount(sepa)).toEqual({ currency: 'EUR', transfer_method: 'SEPA', iban: 'DE89370400440532013000', bic: 'COBADEFF' });
    expect(parseRecipientAccount({ ...sepa, bic: undefined })).toEqual({ currency: 'EUR', transfer_method: 'SEPA', iban: 'DE89370400440532013000' });
    expect(parseRecipientAccount(fps)).toEqual({ currency: 'GBP', transfer_method: 'FPS', account_number: '31926819', sort_code: '601613' });
    expect(parseRecipientAccount(local)).toEqual({ currency: 'NGN', transfer_method: 'Local', account_number: '0123456785', bank_code: '058' });
  });

  it.each([
    ['EUR with ACH', { ...sepa, transfer_method: 'ACH' }],
    ['USD with SEPA', { ...ach, transfer_method: 'SEPA' }],
    ['GBP with SEPA', { ...fps, transfer_method: 'SEPA' }],
    ['NGN with FPS', { ...local, transfer_method: 'FPS' }],
  ])('refuses a currency and transfer method that do not agree: %s', (_name, input) => {
    expectProblem(input, 'account_details.transfer_method', 'currency_mismatch');
    expect(domainErrorOf(() => parseRecipientAccount(input)).description).toMatch(/must be (ACH|SEPA|FPS|Local) for (USD|EUR|GBP|NGN) recipients/);
  });

  it('refuses unknown currencies and transfer methods, and reports missing ones', () => {
    expectProblem({ ...ach, currency: 'CHF' }, 'account_details.currency', 'must_be_one_of');
    expectProblem({ ...ach, currency: 'usd' }, 'account_details.currency', 'must_be_one_of');
    expectProblem({ ...ach, transfer_method: 'WIRE' }, 'account_details.transfer_method', 'must_be_one_of');
    expectProblem({ ...ach, currency: undefined }, 'account_details.currency', 'required', 'ErrorMissingField');
    expectProblem({ ...ach, transfer_method: undefined }, 'account_details.transfer_method', 'required', 'ErrorMissingField');
  });

  it.each([
    ['a bad ABA checksum', { ...ach, routing_number: '026009594' }, 'account_details.routing_number', 'invalid_checksum'],
    ['a 3-digit US account', { ...ach, account_number: '123' }, 'account_details.account_number', 'format'],
    ['an unknown account type', { ...ach, account_type: 'Brokerage' }, 'account_details.account_type', 'must_be_one_of'],
    ['an IBAN with a wrong check digit', { ...sepa, iban: 'DE88370400440532013000' }, 'account_details.iban', 'invalid_checksum'],
    ['a 7-character BIC', { ...sepa, bic: 'COBADEF' }, 'account_details.bic', 'format'],
    ['a 5-digit sort code', { ...fps, sort_code: '60161' }, 'account_details.sort_code', 'format'],
    ['a 7-digit UK account', { ...fps, account_number: '3192681' }, 'account_details.account_number', 'format'],
    ['a NUBAN with a wrong check digit', { ...local, account_number: '0123456784' }, 'account_details.account_number', 'invalid_check_digit'],
    ['a 2-digit bank code', { ...local, bank_code: '58' }, 'account_details.bank_code', 'format'],
    ['an empty relationship', { ...ach, recipient_relationship: '  ' }, 'account_details.recipient_relationship', 'empty'],
    ['a 65-character relationship', { ...ach, recipient_relationship: 'x'.repeat(65) }, 'account_details.recipient_relationship', 'too_long'],
  ])('refuses %s, naming the field', (_name, input, field, issue) => {
    expectProblem(input, field, issue);
  });

  it.each([
    ['ACH without routing_number', { ...ach, routing_number: undefined }, 'account_details.routing_number', 'required_for_ach'],
    ['ACH without account_number', { ...ach, account_number: undefined }, 'account_details.account_number', 'required_for_ach'],
    ['ACH without account_type', { ...ach, account_type: undefined }, 'account_details.account_type', 'required_for_ach'],
    ['SEPA without iban', { ...sepa, iban: undefined }, 'account_details.iban', 'required_for_sepa'],
    ['FPS without sort_code', { ...fps, sort_code: undefined }, 'account_details.sort_code', 'required_for_fps'],
    ['Local without bank_code', { ...local, bank_code: undefined }, 'account_details.bank_code', 'required_for_local'],
  ])('requires each rail\'s fields: %s', (_name, input, field, issue) => {
    expectProblem(input, field, issue, 'ErrorMissingField');
  });

  it.each([
    ['a routing number on SEPA', { ...sepa, routing_number: '026009593' }, 'account_details.routing_number'],
    ['an account number on SEPA (the IBAN is the account)', { ...sepa, account_number: '12365498' }, 'account_details.account_number'],
    ['a sort code on ACH', { ...ach, sort_code: '601613' }, 'account_details.sort_code'],
    ['an IBAN on FPS', { ...fps, iban: 'GB82WEST12345698765432' }, 'account_details.iban'],
    ['a bank code on ACH', { ...ach, bank_code: '058' }, 'account_details.bank_code'],
  ])('refuses another rail\'s field: %s', (_name, input, field) => {
    expectProblem(input, field, 'not_allowed_for_transfer_method');
  });
});

describe('sealing and opening recipient accounts', () => {
  // A real AES-256-GCM cipher and keyed HMAC, as libs/security provides them to the caller.
  const key = randomBytes(32);
  const hmacKey = randomBytes(32);
  const sealer: RecipientSealer & { decrypt(ciphertext: string, context: string): string } = {
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
    },
    decrypt(ciphertext, context) {
      const [iv, tag, body] = ciphertext.split('.').map((part) => Buffer.from(part, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context)).setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
    fingerprint: (...parts) => createHmac('sha256', hmacKey).update(parts.join('|')).digest('base64url'),
  };

  it('encrypts account and routing numbers, keeps their last 4, and opens back to the same details', () => {
    const account = parseRecipientAccount(ach);
    const sealed = sealRecipientAccount(account, 'r1', sealer);
    const json = JSON.stringify(sealed);
    expect(json).not.toContain('12365498');
    expect(json).not.toContain('026009593');
    expect(sealed.account).toMatchObject({
      currency: 'USD',
      transfer_method: 'ACH',
      account_type: 'Checking',
      account_number: { ciphertext: expect.any(String), last4: '5498' },
      routing_number: { ciphertext: expect.any(String), last4: '9593' },
    });
    expect(openRecipientAccount(sealed.account, 'r1', sealer)).toEqual(account);
  });

  it('seals the IBAN and the sort code, and leaves BIC and NGN bank code readable', () => {
    const eur = sealRecipientAccount(parseRecipientAccount(sepa), 'r2', sealer).account;
    expect(eur).toMatchObject({ iban: { last4: '3000' }, bic: 'COBADEFF' });
    expect(JSON.stringify(eur)).not.toContain('DE89370400440532013000');
    const gbp = sealRecipientAccount(parseRecipientAccount(fps), 'r3', sealer).account;
    expect(gbp).toMatchObject({ account_number: { last4: '6819' }, sort_code: { last4: '1613' } });
    const ngn = sealRecipientAccount(parseRecipientAccount(local), 'r4', sealer).account;
    expect(ngn).toMatchObject({ account_number: { last4: '6785' }, bank_code: '058' });
    expect(JSON.stringify(ngn)).not.toContain('0123456785');
  });

  it('binds each ciphertext to its recipient: it does not open under another recipient id', () => {
    const sealed = sealRecipientAccount(parseRecipientAccount(ach), 'r1', sealer).account;
    expect(() => openRecipientAccount(sealed, 'r2', sealer)).toThrow();
  });

  it('fingerprints the account, not the recipient: same account same fingerprint, another account another one', () => {
    const fingerprint = (input: RecipientAccountInput, id = 'x') => sealRecipientAccount(parseRecipientAccount(input), id, sealer).fingerprint;
    expect(fingerprint(ach, 'a')).toBe(fingerprint({ ...ach, account_type: 'Savings', recipient_relationship: 'Friend' }, 'b'));
    expect(fingerprint(sepa)).toBe(fingerprint({ ...sepa, iban: 'de89370400440532013000', bic: undefined }));
    expect(fingerprint(fps)).toBe(fingerprint({ ...fps, sort_code: '601613' }));
    expect(fingerprint(ach)).not.toBe(fingerprint({ ...ach, account_number: '12365499' }));
    expect(fingerprint(ach)).not.toBe(fingerprint({ ...ach, routing_number: '021000021' }));
    expect(fingerprint(local)).not.toBe(fingerprint({ ...local, bank_code: '011', account_number: '0123456784' }));
  });
});
