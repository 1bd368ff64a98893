import { decodeHeaders, standardHeaders } from './headers';

describe('standardHeaders', () => {
  it('sets event_id, event_type, correlation_id and traceparent; extras cannot overwrite them', () => {
    expect(
      standardHeaders(
        {
          eventId: 'e1',
          eventType: 'PayoutSettled',
          correlationId: 'c1',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        },
        { event_id: 'spoofed', source: 'worker' },
      ),
    ).toEqual({
      event_id: 'e1',
      event_type: 'PayoutSettled',
      correlation_id: 'c1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      source: 'worker',
    });
  });

  it('omits traceparent when there is none, and rejects a malformed one or a missing id', () => {
    expect(standardHeaders({ eventId: 'e1', eventType: 'T', correlationId: 'c1' }, { traceparent: 'x' })).toEqual({
      event_id: 'e1',
      event_type: 'T',
      correlation_id: 'c1',
    });
    expect(() => standardHeaders({ eventId: 'e1', eventType: 'T', correlationId: 'c1', traceparent: 'abc' })).toThrow(/traceparent/);
    expect(() => standardHeaders({ eventId: '', eventType: 'T', correlationId: 'c1' })).toThrow(/eventId/);
  });
});

describe('decodeHeaders', () => {
  it('turns Kafka header bytes into strings, keeping the last value of a repeated header', () => {
    expect(
      decodeHeaders({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), Buffer.from('2')], d: undefined }),
    ).toEqual({ a: 'x', b: 'y', c: '2' });
    expect(decodeHeaders(undefined)).toEqual({});
  });
});
