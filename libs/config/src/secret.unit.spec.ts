import { format, inspect } from 'node:util';
import { Secret } from './secret';

describe('Secret', () => {
  const secret = new Secret('hunter2-very-secret');

  it('prints [REDACTED] every way it can be printed', () => {
    expect(String(secret)).toBe('[REDACTED]');
    expect(`${secret}`).toBe('[REDACTED]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
    expect(inspect(secret)).toBe('[REDACTED]');
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain('hunter2');
    expect(format('%s %o %O %j', secret, secret, secret, secret)).not.toContain('hunter2');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('gives the value only through reveal()', () => {
    expect(secret.reveal()).toBe('hunter2-very-secret');
    const bytes = Buffer.from('0123456789abcdef0123456789abcdef');
    expect(Secret.of(bytes).reveal()).toBe(bytes);
    expect(inspect(Secret.of(bytes))).toBe('[REDACTED]');
  });
});
