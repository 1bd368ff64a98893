import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { CURRENCIES, DomainError, FxRatePort, parseCurrency, parseRate } from '@payments/domain';
import { FX_RATES } from '@payments/providers/nest/provider-tokens';
import { SandboxFxRates } from '@payments/providers/fx';
import { OpsOnly } from '../platform';

export class SetFxRateRequest {
  @ApiProperty({ example: '1600.5', description: 'units of the currency one USD buys: a positive decimal string, at most 18 decimals' })
  @IsString()
  @MaxLength(64)
  rate_per_usd!: string;
}

export class FxRateCurrencyParam {
  @ApiProperty({ enum: CURRENCIES })
  @IsString()
  @MaxLength(8)
  currency!: string;
}

export class SandboxFxRatesResponse {
  @ApiProperty({ example: 'USD' }) base!: 'USD';
  @ApiProperty({ example: 'sandbox' }) source!: 'sandbox';
  @ApiProperty({ description: 'currency → units per USD (exact decimal strings), all 20 currencies', example: { USD: '1', EUR: '0.9217', NGN: '1550' } })
  rates_per_usd!: Record<string, string>;
}

/**
 * Ops: read and change the sandbox FX table at run time (dev and tests; the table goes back to FX_SANDBOX_RATES on
 * restart, and each API process has its own). Quotes already taken keep their rate: they are stored in their events.
 * Refused (409 ErrorNotSupported) when the FX port is not the sandbox table.
 */
@ApiTags('ops')
@Controller('ops/sandbox/fx-rates')
export class SandboxFxRatesController {
  constructor(@Inject(FX_RATES) private readonly fx: FxRatePort) {}

  private sandbox(): SandboxFxRates {
    if (!(this.fx instanceof SandboxFxRates)) {
      throw new DomainError('ErrorNotSupported', 'the configured FX rate source is not the sandbox table', 'CategoryConflict', [{ key: 'issue', details: 'fx_not_sandbox' }]);
    }
    return this.fx;
  }

  @Get()
  @OpsOnly()
  @ApiOperation({ summary: 'The sandbox FX table: units of each currency one USD buys (ops-scoped key).' })
  @ApiResponse({ status: 200, type: SandboxFxRatesResponse })
  get(): SandboxFxRatesResponse {
    return { base: 'USD', source: 'sandbox', rates_per_usd: this.sandbox().table() };
  }

  @Put(':currency')
  @OpsOnly()
  @ApiOperation({ summary: 'Set how many units of a currency one USD buys in the sandbox table, from now on (ops-scoped key).' })
  @ApiResponse({ status: 200, type: SandboxFxRatesResponse })
  set(@Param() params: FxRateCurrencyParam, @Body() body: SetFxRateRequest): SandboxFxRatesResponse {
    const sandbox = this.sandbox();
    const currency = parseCurrency(params.currency);
    if (currency === 'USD') throw DomainError.invalidField('currency', 'base_currency', 'USD is the base of the sandbox table; its rate is always 1');
    try {
      parseRate(body.rate_per_usd);
    } catch {
      throw DomainError.invalidField('rate_per_usd', 'invalid_rate', 'rate_per_usd must be a positive decimal string with at most 18 decimals, such as "1600.5"');
    }
    sandbox.setRatePerUsd(currency, body.rate_per_usd);
    return { base: 'USD', source: 'sandbox', rates_per_usd: sandbox.table() };
  }
}
