import { Fingerprinter } from '@payments/security';
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { idempotencyRequestFingerprint, idempotencyRequestMaterial } from './idempotency.interceptor';

describe('idempotencyRequestFingerprint', () => {
  const fingerprinter = new Fingerprinter(randomBytes(32));
  const request = (body: unknown, overrides: { url?: string; userId?: string } = {}) => ({
    method: 'POST',
    url: overrides.url ?? '/user/bank-account/remote',
    headers: { 'x-user-id': overrides.userId ?? 'alice' },
    body,
  });
  const recipient = { account_name: 'Main', account_details: { currency: 'USD', transfer_method: 'ACH', account_number: '4417', routing_number: '021000021' } };

  it('is a keyed HMAC: another fingerprint key gives another value, and it is not the sha256 of what it covers', () => {
    const stored = idempotencyRequestFingerprint(fingerprinter, request(recipient));
    const material = idempotencyRequestMaterial(request(recipient));
    expect(material).toBe(canonicalJson({ method: 'POST', path: '/user/bank-account/remote', user_id: 'alice', body: recipient }));
    expect(stored).not.toBe(createHash('sha256').update(material).digest('hex'));
    expect(stored).not.toBe(createHash('sha256').update(material).digest('base64url'));
    expect(idempotencyRequestFingerprint(new Fingerprinter(randomBytes(32)), request(recipient))).not.toBe(stored);
    expect(stored).not.toContain('4417');
  });

  it('has its own purpose label: not the fingerprint a recipient lookup of the same text would give', () => {
    const material = idempotencyRequestMaterial(request(recipient));
    expect(idempotencyRequestFingerprint(fingerprinter, request(recipient))).toBe(fingerprinter.fingerprint('idempotency-request', material));
    expect(idempotencyRequestFingerprint(fingerprinter, request(recipient))).not.toBe(fingerprinter.fingerprint('recipient-account', material));
  });

  it('is the same for the same request in another key order, and differs for another body, user or path', () => {
    const stored = idempotencyRequestFingerprint(fingerprinter, request(recipient));
    const reordered = { account_details: { routing_number: '021000021', account_number: '4417', transfer_method: 'ACH', currency: 'USD' }, account_name: 'Main' };
    expect(idempotencyRequestFingerprint(fingerprinter, request(reordered))).toBe(stored);
    const otherNumber = { ...recipient, account_details: { ...recipient.account_details, account_number: '4418' } };
    expect(idempotencyRequestFingerprint(fingerprinter, request(otherNumber))).not.toBe(stored);
    expect(idempotencyRequestFingerprint(fingerprinter, request(recipient, { userId: 'bob' }))).not.toBe(stored);
    expect(idempotencyRequestFingerprint(fingerprinter, request(recipient, { url: '/user/payouts' }))).not.toBe(stored);
  });
});
