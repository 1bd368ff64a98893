import { isIP } from 'node:net';
import { isIpAddress, isIPv4, isIPv6 } from './ip-address';

describe('ip address validation', () => {
  it.each(['203.0.113.1', '0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.1.254'])('accepts IPv4 %s', (ip) => {
    expect(isIPv4(ip)).toBe(true);
    expect(isIpAddress(ip)).toBe(true);
  });

  it.each([
    '::',
    '::1',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    'fe80::abcd:ef01',
    '1:2:3:4:5:6:7:8',
    '1::',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '::ffff:203.0.113.1',
    '::203.0.113.1',
    '64:ff9b::192.0.2.33',
    '1:2:3:4:5:6:1.2.3.4',
    'FFFF:ffff:FFFF:ffff:FFFF:ffff:255.255.255.255',
  ])('accepts IPv6 %s', (ip) => {
    expect(isIPv6(ip)).toBe(true);
    expect(isIpAddress(ip)).toBe(true);
  });

  it.each([
    '',
    'not-an-ip',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.-4',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..3.4',
    '1.2.3.4/24',
    '0x1.2.3.4',
    '１.2.3.4',
    ':',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '12345::1',
    'g::1',
    '::ffff:256.0.0.1',
    '::ffff:1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    'fe80::1%eth0',
    '[::1]',
    '2001:db8::1 ',
  ])('refuses %p', (ip) => {
    expect(isIpAddress(ip)).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 3232235777, ['1.2.3.4'], { ip: '1.2.3.4' }]) expect(isIpAddress(value)).toBe(false);
  });

  it("agrees with Node's net.isIP on thousands of generated candidates (zone ids aside)", () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['', ':', '::', '.', '0', '1', '00', '01', '255', '256', 'ff', 'FFFF', '12345', 'g', '1.2.3.4', '999', 'abcd'];
    let accepted = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const candidate = Array.from({ length: 1 + random(10) }, () => pieces[random(pieces.length)]).join(random(2) ? ':' : '.');
      const node = isIP(candidate) !== 0;
      if (node) accepted++;
      if (isIpAddress(candidate) !== node) disagreements.push(candidate);
    }
    expect(disagreements).toEqual([]);
    expect(accepted).toBeGreaterThan(400);
  });
});
