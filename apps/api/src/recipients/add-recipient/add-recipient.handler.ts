import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  duplicateRecipientError,
  duplicateRecipientOf,
  isStaleClaim,
  parseAccountName,
  parseRecipientAccount,
  RecipientAccount,
  recipientDecider,
  recipientIndexDecider,
  recipientIndexStreamId,
  RecipientSealer,
  recipientStreamId,
  sealRecipientAccount,
} from '@payments/domain';
import { CommandContext, CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { FIELD_CIPHER, FINGERPRINTER } from '@payments/providers/nest/provider-tokens';
import { RecipientView, toRecipientView } from '@payments/read-models';
import { FieldCipher, Fingerprinter } from '@payments/security';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { AddRecipientRequest } from './add-recipient.dto';

export class AddRecipientCommand {
  constructor(
    readonly userId: string,
    readonly request: AddRecipientRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * POST /user/bank-account/remote: validates the account for its rail, seals it (account and routing numbers
 * encrypted, last 4 kept, keyed fingerprint), claims the fingerprint in the user's recipient index (duplicates
 * → 409; main_recipient moves the default there), then writes the recipient's own stream. The plaintext numbers
 * live only in this request's memory.
 */
@CommandHandler(AddRecipientCommand)
export class AddRecipientHandler implements ICommandHandler<AddRecipientCommand, RecipientView> {
  private readonly sealer: RecipientSealer;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(FIELD_CIPHER) cipher: FieldCipher,
    @Inject(FINGERPRINTER) fingerprinter: Fingerprinter,
  ) {
    this.sealer = { encrypt: (plaintext, context) => cipher.encrypt(plaintext, context), fingerprint: (...parts) => fingerprinter.fingerprint(...parts) };
  }

  async execute({ userId, request, ctx }: AddRecipientCommand): Promise<RecipientView> {
    const accountName = parseAccountName(request.account_name);
    const account = parseRecipientAccount(request.account_details);
    const mainRecipient = request.main_recipient ?? false;
    // Each write gets its own purpose: seeded event ids must differ between commands on the same stream.
    const context = (step: string) => commandContextFrom(ctx, `add-recipient:${step}`);
    const seed = context('id').eventIdSeed;
    const newId = seed ? deterministicUuid(`${seed}:recipient-id`) : newUuid();
    const sealed = sealRecipientAccount(account, newId, this.sealer);
    const { fingerprint } = sealed;

    const recipientId = await this.claim(userId, newId, fingerprint, mainRecipient, context);
    const added = await this.commands.execute(
      recipientStreamId(recipientId),
      recipientDecider,
      {
        type: 'AddRecipient',
        data: { recipient_id: recipientId, user_id: userId, account_name: accountName, account: recipientId === newId ? sealed.account : this.seal(account, recipientId), fingerprint },
        now: this.commands.now(),
      },
      context('add'),
    );
    if (recipientId !== newId) {
      // Completing a stale claim: if its own request finished it meanwhile, this is a duplicate after all.
      if (added.events.length === 0 && !added.replayed) throw duplicateRecipientError(recipientId);
      if (mainRecipient) await this.setDefault(userId, recipientId, context('default'));
    }
    if (added.state.status !== 'ACTIVE') throw new Error('recipient not active after AddRecipient');
    const index = (await this.commands.load(recipientIndexStreamId(userId), recipientIndexDecider)).state;
    return toRecipientView({
      recipient_id: recipientId,
      account_name: added.state.accountName,
      account: added.state.account,
      is_default: index.defaultRecipientId === recipientId,
      created_at: new Date(added.state.addedAt),
    });
  }

  /** Ciphertexts are bound to their recipient id: a claim completed under another id is sealed again. */
  private seal(account: RecipientAccount, recipientId: string) {
    return sealRecipientAccount(account, recipientId, this.sealer).account;
  }

  /**
   * Registers the new recipient in the user's index and returns the id to write the recipient under. The index
   * refuses a fingerprint it already holds; that claim is a real duplicate if its recipient is active or still being
   * added. A claim whose recipient was removed (a DELETE interrupted before its release) is released and this one
   * registered; a stale claim whose recipient was never written (an add interrupted between its two writes) is
   * completed with this request's details, under its id. See recipient-index.decider.ts.
   */
  private async claim(
    userId: string,
    recipientId: string,
    fingerprint: string,
    mainRecipient: boolean,
    context: (step: string) => CommandContext,
  ): Promise<string> {
    const index = recipientIndexStreamId(userId);
    const register = (step: string) =>
      this.commands.execute(
        index,
        recipientIndexDecider,
        { type: 'RegisterRecipient', data: { user_id: userId, recipient_id: recipientId, fingerprint, main_recipient: mainRecipient }, now: this.commands.now() },
        context(step),
      );
    try {
      await register('register');
      return recipientId;
    } catch (error) {
      const holder = duplicateRecipientOf(error);
      if (holder === undefined) throw error;
      const { state } = await this.commands.load(recipientStreamId(holder), recipientDecider);
      if (state.status === 'ACTIVE') throw error;
      if (state.status === 'NONE') {
        // Claimed, never written: an add still in flight (a duplicate), or one that died between its writes.
        const claims = (await this.commands.load(index, recipientIndexDecider)).state;
        if (!isStaleClaim(claims, holder, this.commands.now())) throw error;
        return holder;
      }
      await this.commands.execute(index, recipientIndexDecider, { type: 'ReleaseRecipient', data: { user_id: userId, recipient_id: holder }, now: this.commands.now() }, context('release-stale'));
      await register('register-after-release');
      return recipientId;
    }
  }

  private setDefault(userId: string, recipientId: string, context: CommandContext) {
    return this.commands.execute(
      recipientIndexStreamId(userId),
      recipientIndexDecider,
      { type: 'SetDefaultRecipient', data: { user_id: userId, recipient_id: recipientId, main_recipient: true }, now: this.commands.now() },
      context,
    );
  }
}
