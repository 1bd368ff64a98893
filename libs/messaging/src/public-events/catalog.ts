import type { RecordedEvent } from '@payments/event-store';
import { CatalogEntry, envelope, PublicEvent } from './public-event';

type Data = Record<string, unknown>;
const str = (event: RecordedEvent, key: string): string | undefined => {
  const value = (event.data as Data)[key];
  return typeof value === 'string' ? value : undefined;
};
/** A decimal string from a minor-unit string with `exponent` digits after the point ("1050" → "10.50"). */
export function minorToDecimal(minor: string, exponent: number): string {
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  return `${negative ? '-' : ''}${whole}${exponent === 0 ? '' : `.${digits.slice(-exponent)}`}`;
}

const pull = (status: string, extra: (event: RecordedEvent) => Data = () => ({})) => (event: RecordedEvent): Data => ({
  pull_id: str(event, 'pull_id'),
  user_id: str(event, 'user_id'),
  status,
  ...extra(event),
});

/**
 * The public event catalog: internal event type → public type, version and payload. Internal events without an entry
 * are not published. The seed names the ACH pull webhooks `ach_pull.initiated|pending|completed|failed|returned`.
 */
export const CATALOG: readonly CatalogEntry[] = [
  {
    internalType: 'AchPullRequested',
    publicType: 'ach_pull.initiated',
    version: 1,
    data: pull('INITIATED', (e) => ({ amount: minorToDecimal(str(e, 'amount_minor') ?? '0', 2), currency: str(e, 'currency') })),
  },
  { internalType: 'AchPullPending', publicType: 'ach_pull.pending', version: 1, data: pull('PENDING') },
  {
    internalType: 'AchPullSettled',
    publicType: 'ach_pull.completed',
    version: 1,
    data: pull('COMPLETED', (e) => ({ amount: minorToDecimal(str(e, 'amount_minor') ?? '0', 2), currency: str(e, 'currency') })),
  },
  { internalType: 'AchPullFailed', publicType: 'ach_pull.failed', version: 1, data: pull('FAILED', (e) => ({ reason: (e.data as Data).reason })) },
  {
    internalType: 'AchPullReturned',
    publicType: 'ach_pull.returned',
    version: 1,
    data: pull('RETURNED', (e) => ({ ach_return_code: (e.data as Data).ach_return_code, description: (e.data as Data).description })),
  },
];

const BY_INTERNAL_TYPE = new Map(CATALOG.map((entry) => [entry.internalType, entry]));

/** The public event for a recorded domain event, or null when the catalog does not publish its type. */
export function toPublicEvent(event: RecordedEvent): PublicEvent | null {
  const entry = BY_INTERNAL_TYPE.get(event.type);
  return entry ? envelope(entry, event) : null;
}

export const PUBLIC_EVENT_TYPES: readonly string[] = [...new Set(CATALOG.map((entry) => entry.publicType))];
