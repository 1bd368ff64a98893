import { activeTraceparent, continueTrace, followTrace, parseTraceCarrier, traceIdOf } from './trace-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context', () => {
  it('continues a W3C traceparent with a child span: same trace id, new span id, kept across awaits', async () => {
    const seen = await continueTrace({ traceparent: PARENT }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return activeTraceparent();
    });
    expect(seen).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(seen).not.toBe(PARENT);
    expect(activeTraceparent()).toBeUndefined();
  });

  it('starts a new trace when the carrier has none or a malformed one', () => {
    const fresh = continueTrace({ traceparent: 'not-a-trace' }, () => activeTraceparent());
    expect(traceIdOf(fresh)).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf(fresh)).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parseTraceCarrier({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toBeUndefined();
  });

  it('follows an event trace only when it has one, and never leaks the outer one', () => {
    const inner = continueTrace({ traceparent: PARENT }, () => followTrace({}, () => activeTraceparent()));
    expect(inner).toBeUndefined();
    expect(traceIdOf(followTrace({ traceparent: PARENT }, () => activeTraceparent()))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
