import { deciderSpec } from '../testing/decider-spec';
import { SealedRecipientAccount } from './recipient-account';
import { RecipientAddedData, recipientDecider, RecipientEvent } from './recipient.decider';
import { duplicateRecipientOf, isStaleClaim, recipientIndexDecider, RecipientIndexEvent, STALE_CLAIM_AFTER_MS } from './recipient-index.decider';

const now = new Date('2026-01-01T00:00:00Z');

describe('Recipient decider', () => {
  const spec = deciderSpec(recipientDecider);
  const account: SealedRecipientAccount = {
    currency: 'USD',
    transfer_method: 'ACH',
    account_number: { ciphertext: 'v1.a.b.c', last4: '5498' },
    routing_number: { ciphertext: 'v1.d.e.f', last4: '9593' },
    account_type: 'Checking',
  };
  const details: Omit<RecipientAddedData, 'added_at'> = { recipient_id: 'r1', user_id: 'u1', account_name: 'Main Bank Account', account, fingerprint: 'fp1' };
  const add = (data: Partial<RecipientAddedData> = {}) => ({ type: 'AddRecipient', data: { ...details, ...data }, now }) as const;
  const remove = (user_id = 'u1') => ({ type: 'RemoveRecipient', data: { user_id }, now }) as const;
  const added: RecipientEvent = { type: 'RecipientAdded', data: { ...details, added_at: now.toISOString() } };
  const removed: RecipientEvent = { type: 'RecipientRemoved', data: { recipient_id: 'r1', user_id: 'u1', removed_at: now.toISOString() } };

  it('adds a recipient with its sealed account (the account name trimmed) at the command\'s time', () => {
    spec.given([]).when(add({ account_name: '  Main Bank Account ' })).then([added]);
  });
  it('treats the same recipient added again under its id as a no-op', () => {
    spec.given([added]).when(add()).then([]);
  });
  it('refuses another account under an id already used', () => {
    spec.given([added]).when(add({ fingerprint: 'fp2' })).thenThrows('ErrorInvalidState', 'recipient_id_conflict');
    spec.given([added, removed]).when(add()).thenThrows('ErrorInvalidState', 'recipient_id_conflict');
  });
  it('refuses an empty or over-long account name', () => {
    spec.given([]).when(add({ account_name: '   ' })).thenThrows('ErrorInvalidField', 'empty');
    spec.given([]).when(add({ account_name: 'x'.repeat(101) })).thenThrows('ErrorInvalidField', 'too_long');
  });
  it('removes the owner\'s recipient once', () => {
    spec.given([added]).when(remove()).then([removed]);
    spec.given([added, removed]).when(remove()).thenThrows('ErrorNotFound');
  });
  it('answers "not found" to another user and to an unknown recipient', () => {
    spec.given([added]).when(remove('u2')).thenThrows('ErrorNotFound');
    spec.given([]).when(remove()).thenThrows('ErrorNotFound');
  });
});

describe('Recipient index decider (one default per user, no duplicate account)', () => {
  const spec = deciderSpec(recipientIndexDecider);
  const register = (recipient_id: string, fingerprint: string, main_recipient = false) =>
    ({ type: 'RegisterRecipient', data: { user_id: 'u1', recipient_id, fingerprint, main_recipient }, now }) as const;
  const setDefault = (recipient_id: string, main_recipient = true) =>
    ({ type: 'SetDefaultRecipient', data: { user_id: 'u1', recipient_id, main_recipient }, now }) as const;
  const release = (recipient_id: string) => ({ type: 'ReleaseRecipient', data: { user_id: 'u1', recipient_id }, now }) as const;
  const registered = (recipient_id: string, fingerprint: string): RecipientIndexEvent => ({
    type: 'RecipientRegistered',
    data: { user_id: 'u1', recipient_id, fingerprint, registered_at: now.toISOString() },
  });
  const defaultChanged = (recipient_id: string | null, previous_recipient_id: string | null): RecipientIndexEvent => ({
    type: 'DefaultRecipientChanged',
    data: { user_id: 'u1', recipient_id, previous_recipient_id },
  });
  const released = (recipient_id: string): RecipientIndexEvent => ({ type: 'RecipientReleased', data: { user_id: 'u1', recipient_id } });

  it('registers a recipient, and makes it the default when asked (main_recipient)', () => {
    spec.given([]).when(register('r1', 'fp1')).then([registered('r1', 'fp1')]);
    spec.given([]).when(register('r1', 'fp1', true)).then([registered('r1', 'fp1'), defaultChanged('r1', null)]);
  });

  it('moves the default: a new main recipient replaces the previous one (there is only ever one pointer)', () => {
    spec
      .given([registered('r1', 'fp1'), defaultChanged('r1', null)])
      .when(register('r2', 'fp2', true))
      .then([registered('r2', 'fp2'), defaultChanged('r2', 'r1')]);
    spec.given([registered('r1', 'fp1'), defaultChanged('r1', null), registered('r2', 'fp2')]).when(setDefault('r2')).then([defaultChanged('r2', 'r1')]);
  });

  it('refuses a second recipient with the same account fingerprint (409), naming the first', () => {
    const error = (() => {
      try {
        recipientIndexDecider.decide(register('r2', 'fp1'), recipientIndexDecider.evolve(recipientIndexDecider.initialState(), registered('r1', 'fp1')));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ reason: 'ErrorAlreadyExists', category: 'CategoryConflict' });
    expect(duplicateRecipientOf(error)).toBe('r1');
    spec.given([registered('r1', 'fp1')]).when(register('r2', 'fp1')).thenThrows('ErrorAlreadyExists', 'duplicate_recipient');
  });

  it('allows the account again once its recipient is released', () => {
    spec.given([registered('r1', 'fp1'), released('r1')]).when(register('r2', 'fp1')).then([registered('r2', 'fp1')]);
  });

  it('treats a repeated registration as a no-op and refuses another account under the same id', () => {
    spec.given([registered('r1', 'fp1')]).when(register('r1', 'fp1', true)).then([]);
    spec.given([registered('r1', 'fp1')]).when(register('r1', 'fp2')).thenThrows('ErrorInvalidState', 'recipient_id_conflict');
  });

  it('sets and clears the default only for registered recipients, and only when it changes', () => {
    spec.given([registered('r1', 'fp1')]).when(setDefault('r1')).then([defaultChanged('r1', null)]);
    spec.given([registered('r1', 'fp1'), defaultChanged('r1', null)]).when(setDefault('r1')).then([]);
    spec.given([registered('r1', 'fp1'), defaultChanged('r1', null)]).when(setDefault('r1', false)).then([defaultChanged(null, 'r1')]);
    spec.given([registered('r1', 'fp1'), registered('r2', 'fp2'), defaultChanged('r1', null)]).when(setDefault('r2', false)).then([]);
    spec.given([]).when(setDefault('r9')).thenThrows('ErrorNotFound');
    spec.given([registered('r1', 'fp1'), released('r1')]).when(setDefault('r1')).thenThrows('ErrorNotFound');
  });

  it('releasing the default recipient leaves the user without a default; releasing twice changes nothing', () => {
    spec.given([registered('r1', 'fp1'), defaultChanged('r1', null)]).when(release('r1')).then([released('r1'), defaultChanged(null, 'r1')]);
    spec.given([registered('r1', 'fp1'), registered('r2', 'fp2'), defaultChanged('r1', null)]).when(release('r2')).then([released('r2')]);
    spec.given([registered('r1', 'fp1'), released('r1')]).when(release('r1')).then([]);
  });

  it('at most one default whatever the sequence: the state holds a single pointer, always a registered recipient', () => {
    const commands = [
      register('a', 'fa', true),
      register('b', 'fb', true),
      register('c', 'fc'),
      setDefault('c'),
      release('c'),
      setDefault('a'),
      register('d', 'fd', true),
      setDefault('d', false),
      release('a'),
    ];
    let state = recipientIndexDecider.initialState();
    for (const command of commands) {
      for (const event of recipientIndexDecider.decide(command, state)) state = recipientIndexDecider.evolve(state, event);
      if (state.defaultRecipientId !== null) expect(Object.keys(state.recipients)).toContain(state.defaultRecipientId);
    }
    expect(state).toEqual({
      recipients: { b: { fingerprint: 'fb', registered_at: now.toISOString() }, d: { fingerprint: 'fd', registered_at: now.toISOString() } },
      defaultRecipientId: null,
    });
  });

  it('tells a claim left by an interrupted add (older than STALE_CLAIM_AFTER_MS) from one still in flight', () => {
    const state = recipientIndexDecider.evolve(recipientIndexDecider.initialState(), registered('r1', 'fp1'));
    expect(isStaleClaim(state, 'r1', new Date(now.getTime() + 1000))).toBe(false);
    expect(isStaleClaim(state, 'r1', new Date(now.getTime() + STALE_CLAIM_AFTER_MS))).toBe(false);
    expect(isStaleClaim(state, 'r1', new Date(now.getTime() + STALE_CLAIM_AFTER_MS + 1))).toBe(true);
    expect(isStaleClaim(state, 'r2', new Date(now.getTime() + STALE_CLAIM_AFTER_MS + 1))).toBe(false);
  });
});
