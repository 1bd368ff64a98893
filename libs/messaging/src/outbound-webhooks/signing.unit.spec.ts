import { createHmac } from 'node:crypto';
import { computeSignature, generateWebhookSecret, signatureHeader, verifySignature } from './signing';

describe('outbound webhook signatures', () => {
  const secret = 'whsec_test-secret';
  const body = '{"id":"e1","type":"ach_pull.completed","data":{"amount":"25.00"}}';
  const t = 1_700_000_000;

  it('is HMAC-SHA256 over "<t>.<body>" in hex, in a t=…,v1=… header', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeSignature(secret, t, body)).toBe(expected);
    expect(signatureHeader(secret, t, body)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies its own header and refuses a changed body, another secret, a stale timestamp or garbage', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifySignature(header, body, secret, { nowSeconds: t + 10 })).toBe(true);
    expect(verifySignature(header, body.replace('25.00', '95.00'), secret, { nowSeconds: t })).toBe(false);
    expect(verifySignature(header, body, 'whsec_other', { nowSeconds: t })).toBe(false);
    expect(verifySignature(header, body, secret, { nowSeconds: t + 301 })).toBe(false);
    expect(verifySignature(`t=${t + 1},v1=${computeSignature(secret, t, body)}`, body, secret, { nowSeconds: t })).toBe(false);
    expect(verifySignature('v1=abc', body, secret, { nowSeconds: t })).toBe(false);
    expect(verifySignature(undefined, body, secret)).toBe(false);
  });

  it('accepts a header listing an old and a new v1 signature (secret rotation)', () => {
    const header = `t=${t},v1=${computeSignature('whsec_old', t, body)},v1=${computeSignature(secret, t, body)}`;
    expect(verifySignature(header, body, secret, { nowSeconds: t })).toBe(true);
  });

  it('generates distinct, long secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
