import { accountDecider, AccountCommand, AccountEvent, AccountMoneyEvent, ACCOUNT_MONEY_EVENT_TYPES } from './account.decider';
import { ledgerTransactionFor, LedgerTransactionDraft, signedAmount } from './account-ledger';
import { fold } from '../shared/decider';

const now = new Date('2026-01-01T00:00:00Z');
const usd = (minor: bigint) => ({ amountMinor: minor, currency: 'USD' as const });
const reason = { code: 'R01', description: 'Insufficient funds' };

/** Runs commands through the decider and returns every money event (a pull settled and returned, payouts of each fate). */
function history(commands: Omit<AccountCommand, 'now'>[]): AccountMoneyEvent[] {
  let events: AccountEvent[] = [{ type: 'AccountOpened', data: { account_id: 'a1', user_id: 'u1', currency: 'USD', account_type: 'checking' } }];
  for (const command of commands) events = [...events, ...accountDecider.decide({ ...command, now } as AccountCommand, fold(accountDecider, events))];
  return events.filter((e): e is AccountMoneyEvent => e.type !== 'AccountOpened');
}

const everyKind = history([
  { type: 'RecordPendingCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: usd(10000n) } },
  { type: 'PostCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: usd(10000n) } },
  { type: 'RecordPendingCredit', data: { movement_id: 'p2', source: 'ACH_PULL', amount: usd(2500n) } },
  { type: 'ReversePendingCredit', data: { movement_id: 'p2', outcome: 'FAILED', reason } },
  { type: 'PlaceHold', data: { movement_id: 'o1', purpose: 'PAYOUT', amount: usd(4000n) } },
  { type: 'CaptureHold', data: { movement_id: 'o1' } },
  { type: 'PlaceHold', data: { movement_id: 'o2', purpose: 'PAYOUT', amount: usd(1000n) } },
  { type: 'ReleaseHold', data: { movement_id: 'o2', outcome: 'FAILED', reason } },
  { type: 'ReverseDebit', data: { movement_id: 'o1', reason } },
  { type: 'ReverseCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: usd(10000n), reason } },
]);

/** Sum of signed entries per ledger account code over transactions. */
function ledgerBalances(transactions: LedgerTransactionDraft[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const tx of transactions) for (const e of tx.entries) sums.set(e.account.code, (sums.get(e.account.code) ?? 0n) + signedAmount(e));
  return sums;
}

describe('ledger transactions of account money events', () => {
  it('covers every kind of money event', () => {
    expect(new Set(everyKind.map((e) => e.type))).toEqual(new Set(ACCOUNT_MONEY_EVENT_TYPES));
  });

  it('balances every transaction: entries sum to zero, all in the account currency', () => {
    for (const event of everyKind) {
      const tx = ledgerTransactionFor(event);
      expect(tx.entries.reduce((sum, e) => sum + signedAmount(e), 0n)).toBe(0n);
      expect(tx.entries.every((e) => e.account.currency === 'USD')).toBe(true);
      expect(tx.entries.every((e) => e.amountMinor > 0n)).toBe(true);
    }
  });

  it('keeps the user ledger accounts equal to the balances each event reports', () => {
    for (let i = 1; i <= everyKind.length; i++) {
      const sums = ledgerBalances(everyKind.slice(0, i).map(ledgerTransactionFor));
      const get = (suffix: string) => sums.get(`user:a1:${suffix}`) ?? 0n;
      const reported = everyKind[i - 1].data.balances;
      expect(String(get('posted'))).toBe(reported.posted_minor);
      expect(String(get('pending') + get('holds'))).toBe(reported.pending_minor);
      expect(String(get('posted') + get('holds'))).toBe(reported.available_minor);
    }
  });

  it('describes each movement to the user as a CREDIT or DEBIT with the seed\'s statuses', () => {
    expect(everyKind.map((e) => [e.type, ledgerTransactionFor(e).type, ledgerTransactionFor(e).status])).toEqual([
      ['AccountCreditPending', 'CREDIT', 'PENDING'],
      ['AccountCreditPosted', 'CREDIT', 'COMPLETED'],
      ['AccountCreditPending', 'CREDIT', 'PENDING'],
      ['AccountPendingCreditReversed', 'DEBIT', 'FAILED'],
      ['AccountHoldPlaced', 'DEBIT', 'PENDING'],
      ['AccountHoldCaptured', 'DEBIT', 'COMPLETED'],
      ['AccountHoldPlaced', 'DEBIT', 'PENDING'],
      ['AccountHoldReleased', 'CREDIT', 'FAILED'],
      ['AccountDebitReversed', 'CREDIT', 'RETURNED'],
      ['AccountCreditReversed', 'DEBIT', 'RETURNED'],
    ]);
    expect(ledgerTransactionFor(everyKind[1]).description).toBe('ACH deposit from linked bank account');
    expect(ledgerTransactionFor(everyKind[3]).description).toContain('R01: Insufficient funds');
  });

  it('says so in the description when a return leaves the account overdrawn', () => {
    const overdrawn = history([
      { type: 'PostCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: usd(10000n) } },
      { type: 'PlaceHold', data: { movement_id: 'o1', purpose: 'PAYOUT', amount: usd(7000n) } },
      { type: 'CaptureHold', data: { movement_id: 'o1' } },
      { type: 'ReverseCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: usd(10000n), reason } },
    ]);
    expect(ledgerTransactionFor(overdrawn[overdrawn.length - 1]).description).toContain('posted balance is now -70.00 USD (overdrawn)');
  });
});
