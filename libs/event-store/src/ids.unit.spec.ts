import { deterministicUuid } from './ids';

describe('deterministicUuid (RFC 4122 version 5)', () => {
  it('matches the RFC test vector for www.example.com in the DNS namespace', () => {
    expect(deterministicUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is stable for a name and differs between names', () => {
    expect(deterministicUuid('http:k1:u1:request-link:key-1')).toBe(deterministicUuid('http:k1:u1:request-link:key-1'));
    expect(deterministicUuid('http:k1:u1:request-link:key-1')).not.toBe(deterministicUuid('http:k1:u1:request-link:key-2'));
    expect(deterministicUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
