import { randomBytes } from 'node:crypto';
import { FieldCipher, Fingerprinter, lastFour } from './field-cipher';

describe('FieldCipher', () => {
  const cipher = new FieldCipher(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const token = 'access-sandbox-1234567890';
    const encrypted = cipher.encrypt(token, 'bank-link:u1');
    expect(encrypted).not.toContain('1234567890');
    expect(cipher.decrypt(encrypted, 'bank-link:u1')).toBe(token);
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same')).not.toBe(cipher.encrypt('same'));
  });

  it('refuses a value moved to another context, a tampered value and another key', () => {
    const encrypted = cipher.encrypt('secret', 'a');
    expect(() => cipher.decrypt(encrypted, 'b')).toThrow();
    const parts = encrypted.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'a')).toThrow();
    expect(() => new FieldCipher(randomBytes(32)).decrypt(encrypted, 'a')).toThrow();
  });

  it('rejects keys of the wrong size', () => {
    expect(() => new FieldCipher(randomBytes(16))).toThrow('32-byte');
  });
});

describe('Fingerprinter', () => {
  it('is keyed: same input same key matches, another key differs', () => {
    const key = randomBytes(32);
    const a = new Fingerprinter(key);
    expect(a.fingerprint('026009593', '12365498')).toBe(new Fingerprinter(key).fingerprint('026009593', '12365498'));
    expect(a.fingerprint('026009593', '12365498')).not.toBe(new Fingerprinter(randomBytes(32)).fingerprint('026009593', '12365498'));
    expect(a.matches(a.fingerprint('x', 'y'), 'x', 'y')).toBe(true);
    expect(a.fingerprint('ab', 'c')).not.toBe(a.fingerprint('a', 'bc'));
  });

  it('shows only the last four', () => {
    expect(lastFour('12365498')).toBe('5498');
  });
});
