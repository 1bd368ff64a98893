import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { newRequestId } from '../common/ids';
import { PlaidApiException } from '../common/plaid-api.exception';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { findInstitution } from './institutions';
import { ItemStore } from './item.store';
import { AccountsGetDto, InstitutionsGetByIdDto, ItemPublicTokenExchangeDto } from './items.dto';

@Controller()
@UseGuards(PlaidCredentialsGuard)
export class ItemsController {
  constructor(
    private readonly items: ItemStore,
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
  ) {}

  /** POST /item/public_token/exchange -> { access_token, item_id, request_id } (public token single use). */
  @Post('item/public_token/exchange')
  @HttpCode(200)
  exchange(@Body() dto: ItemPublicTokenExchangeDto): Record<string, unknown> {
    const { accessToken, itemId } = this.items.exchangePublicToken(dto.public_token, this.options.clock.now());
    return { access_token: accessToken, item_id: itemId, request_id: newRequestId() };
  }

  /** POST /accounts/get -> { accounts, item, request_id } with the bank name in item.institution_name. */
  @Post('accounts/get')
  @HttpCode(200)
  accounts(@Body() dto: AccountsGetDto): Record<string, unknown> {
    const item = this.items.itemForAccessToken(dto.access_token);
    const wanted = Array.isArray(dto.options?.account_ids) ? new Set(dto.options.account_ids) : null;
    return {
      accounts: item.accounts.filter((account) => !wanted || wanted.has(account.account_id)),
      item: {
        item_id: item.item_id,
        institution_id: item.institution_id,
        institution_name: item.institution_name,
        webhook: item.webhook,
        auth_method: 'INSTANT_AUTH',
        error: null,
        available_products: ['balance', 'identity', 'transactions'],
        billed_products: item.products,
        products: item.products,
        consented_products: item.products,
        consent_expiration_time: null,
        update_type: 'background',
      },
      request_id: newRequestId(),
    };
  }

  /** POST /institutions/get_by_id -> { institution, request_id } for the sandbox's fixed institutions. */
  @Post('institutions/get_by_id')
  @HttpCode(200)
  institution(@Body() dto: InstitutionsGetByIdDto): Record<string, unknown> {
    const institution = findInstitution(dto.institution_id);
    if (!institution) throw PlaidApiException.invalidInstitution();
    return {
      institution: {
        institution_id: institution.institution_id,
        name: institution.name,
        products: ['auth', 'balance', 'identity', 'transactions'],
        country_codes: ['US'],
        url: null,
        primary_color: null,
        logo: null,
        routing_numbers: institution.routing_numbers,
        oauth: false,
      },
      request_id: newRequestId(),
    };
  }
}
