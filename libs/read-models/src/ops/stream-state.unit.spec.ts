import { DomainError, PersistentMap } from '@payments/domain';
import { deciderForStream, parseStatePoint, toJsonSafe } from './stream-state';

describe('ops state helpers', () => {
  it('reads --at as a revision or an ISO time, and refuses anything else with the seed error shape', () => {
    expect(parseStatePoint('3')).toEqual({ revision: 3n });
    expect(parseStatePoint('2026-01-02T03:04:05.000Z')).toEqual({ time: new Date('2026-01-02T03:04:05.000Z') });
    expect(parseStatePoint(undefined)).toEqual({ latest: true });
    for (const bad of ['yesterday', '-1', '2026-13-45T00:00:00Z', '1.5']) {
      expect(() => parseStatePoint(bad)).toThrow(DomainError);
    }
  });

  it('picks the decider by stream prefix, the longer prefix first', () => {
    expect(deciderForStream('recipients-u1')).not.toBe(deciderForStream('recipient-r1'));
    expect(deciderForStream('recipient-r1')).toBeDefined();
    expect(deciderForStream('asset-balance-u1-USDC')).not.toBe(deciderForStream('account-u1-USD'));
    expect(deciderForStream('events-x')).toBeUndefined();
  });

  it('prints state as JSON: maps as objects, bigints and dates as strings', () => {
    const state = {
      amount: 1250n,
      at: new Date('2026-01-02T00:00:00Z'),
      holds: PersistentMap.of([['m1', { amount: 5n }]]),
      byKey: new Map([['k', [1n, 2n]]]),
      tags: new Set(['a']),
    };
    expect(JSON.parse(JSON.stringify(toJsonSafe(state)))).toEqual({
      amount: '1250',
      at: '2026-01-02T00:00:00.000Z',
      holds: { m1: { amount: '5' } },
      byKey: { k: ['1', '2'] },
      tags: ['a'],
    });
  });
});
