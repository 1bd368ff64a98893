import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  accountDecider,
  AccountCurrency,
  accountStreamId,
  checkRemittanceStart,
  DomainError,
  loadPayoutRecipient,
  RECIPIENT_CURRENCIES,
  remittanceBeneficiaryCipherContext,
  remittanceDecider,
  RemittanceDestination,
  remittanceStreamId,
  StartRemittanceData,
} from '@payments/domain';
import { CommandContext, CommandProcessor } from '@payments/event-store';
import { FIELD_CIPHER } from '@payments/providers/nest/provider-tokens';
import { FieldCipher, lastFour } from '@payments/security';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { RemittanceResponse, remittanceResponse } from '../remittance-response';
import { StartRemittanceRequest } from './start-remittance.dto';

export class StartRemittanceCommand {
  constructor(
    readonly userId: string,
    readonly body: StartRemittanceRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * POST /user/remittance/start. Like a payout, the source amount is held on the user's account FIRST (movement id =
 * remittance id = quote id; a refused hold records nothing), then RemittanceStarted is appended; the worker submits
 * it to the provider. The movement id comes from the quote, so a client retrying a start that crashed between the two
 * finds its own hold (PlaceHold repeats as a no-op) and completes it.
 */
@CommandHandler(StartRemittanceCommand)
export class StartRemittanceHandler implements ICommandHandler<StartRemittanceCommand, RemittanceResponse> {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  async execute({ userId, body, ctx }: StartRemittanceCommand): Promise<RemittanceResponse> {
    const remittanceId = body.quote_id;
    const streamId = remittanceStreamId(remittanceId);
    const { state } = await this.commands.load(streamId, remittanceDecider);
    if (state.status === 'NONE' || state.quote.user_id !== userId) throw DomainError.notFound('remittance quote', 'quote_id');
    const destination = await this.destination(userId, remittanceId, state.quote.target_currency, body);
    const data: StartRemittanceData = { remittance_id: remittanceId, user_id: userId, destination };
    const now = this.commands.now();
    const { alreadyStarted, quote } = checkRemittanceStart(state, data, now);
    if (alreadyStarted) return remittanceResponse(state);

    const context = commandContextFrom(ctx, `remittance-start:${remittanceId}`);
    await this.hold(userId, quote.source_currency as AccountCurrency, remittanceId, BigInt(quote.source_amount_minor), context);
    const result = await this.commands.execute(streamId, remittanceDecider, { type: 'StartRemittance', data, now }, context);
    if (result.state.status === 'NONE') throw new Error(`remittance ${remittanceId} vanished`);
    return remittanceResponse(result.state);
  }

  private async destination(userId: string, remittanceId: string, target: string, body: StartRemittanceRequest): Promise<RemittanceDestination> {
    const hasRecipientRail = (RECIPIENT_CURRENCIES as readonly string[]).includes(target);
    if (hasRecipientRail) {
      if (body.beneficiary !== undefined) {
        throw DomainError.invalidField('beneficiary', 'use_recipient_uuid', `${target} remittances go to a saved recipient: pass recipient_uuid`);
      }
      if (body.recipient_uuid === undefined) throw DomainError.missingField('recipient_uuid', `required_for_${target.toLowerCase()}`);
      const recipient = await loadPayoutRecipient(this.commands, userId, body.recipient_uuid);
      return { kind: 'recipient', recipient_id: recipient.recipient_id, currency: recipient.currency };
    }
    if (body.recipient_uuid !== undefined) {
      throw DomainError.invalidField('recipient_uuid', 'no_recipient_rail', `saved recipients are USD, EUR, GBP or NGN; ${target} remittances take a beneficiary`);
    }
    if (body.beneficiary === undefined) throw DomainError.missingField('beneficiary', `required_for_${target.toLowerCase()}`);
    const b = body.beneficiary;
    return {
      kind: 'beneficiary',
      first_name: b.first_name.trim(),
      last_name: b.last_name.trim(),
      country: b.country,
      account_number_sealed: this.cipher.encrypt(b.account_number, remittanceBeneficiaryCipherContext(remittanceId)),
      account_last4: lastFour(b.account_number),
    };
  }

  private async hold(userId: string, currency: AccountCurrency, remittanceId: string, amountMinor: bigint, context: CommandContext): Promise<void> {
    let held;
    try {
      held = await this.commands.execute(
        accountStreamId(userId, currency),
        accountDecider,
        { type: 'PlaceHold', data: { movement_id: remittanceId, purpose: 'REMITTANCE', amount: { amountMinor, currency } }, now: this.commands.now() },
        { ...context, ...(context.eventIdSeed ? { eventIdSeed: `${context.eventIdSeed}:hold` } : {}) },
      );
    } catch (error) {
      if (error instanceof DomainError && error.reason === 'ErrorNotFound') {
        throw DomainError.notEligible(`the user has no ${currency} account to fund the remittance from (POST /user/accounts)`, 'no_account_in_currency');
      }
      throw error;
    }
    const hold = held.state.status === 'OPEN' ? held.state.holds.get(remittanceId) : undefined;
    if (hold && hold.status !== 'HELD') throw DomainError.invalidState(`remittance ${remittanceId} is already over (its hold was ${hold.status.toLowerCase()})`, 'remittance_finished');
  }
}
