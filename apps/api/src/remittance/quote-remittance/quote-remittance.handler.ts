import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, FxRatePort, Money, parseAmount, parseCurrency, remittanceDecider, RemittanceFixedSide, remittanceStreamId } from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { FX_RATES } from '@payments/providers/nest/provider-tokens';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { RemittanceResponse, remittanceResponse } from '../remittance-response';
import { QuoteRemittanceRequest } from './quote-remittance.dto';

export class QuoteRemittanceCommand {
  constructor(
    readonly userId: string,
    readonly body: QuoteRemittanceRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * POST /user/remittance/quote: prices the conversion with the FX port and records RemittanceQuoted (with the whole
 * FxQuote) on remittance-{quote id}. Nothing is held yet; the quote can be started until it expires.
 */
@CommandHandler(QuoteRemittanceCommand)
export class QuoteRemittanceHandler implements ICommandHandler<QuoteRemittanceCommand, RemittanceResponse> {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(FX_RATES) private readonly fx: FxRatePort,
  ) {}

  async execute({ userId, body, ctx }: QuoteRemittanceCommand): Promise<RemittanceResponse> {
    const source = parseCurrency(body.source_currency, 'source_currency');
    const target = parseCurrency(body.target_currency, 'target_currency');
    const given = (['source', 'target'] as const).filter((side) => body[`${side}_amount`] !== undefined && body[`${side}_amount`] !== null);
    if (given.length === 0) throw DomainError.missingField('source_amount', 'source_amount_or_target_amount_required');
    if (given.length === 2) throw DomainError.invalidField('target_amount', 'conflicts_with_source_amount', 'give source_amount or target_amount, not both');
    const fixedSide: RemittanceFixedSide = given[0];
    const amount: Money = parseAmount(body[`${fixedSide}_amount`], fixedSide === 'source' ? source : target, { field: `${fixedSide}_amount` });

    const context = commandContextFrom(ctx, 'remittance-quote');
    const remittanceId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:remittance-id`) : newUuid();
    const fx = await this.fx.quote(source, target);
    const result = await this.commands.execute(
      remittanceStreamId(remittanceId),
      remittanceDecider,
      { type: 'QuoteRemittance', data: { remittance_id: remittanceId, user_id: userId, amount, fixed_side: fixedSide, source_currency: source, target_currency: target, fx }, now: this.commands.now() },
      context,
    );
    if (result.state.status === 'NONE') throw new Error(`remittance ${remittanceId} not quoted`);
    return remittanceResponse(result.state);
  }
}
