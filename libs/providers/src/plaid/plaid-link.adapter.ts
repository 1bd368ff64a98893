import { AccountBase, AccountType, CountryCode, PlaidApi, Products } from 'plaid';
import { ProviderError } from '../provider-error';
import { callPlaid } from './plaid-error.mapper';

export interface CreateLinkTokenInput {
  /** Our user id; sent as Plaid's `user.client_user_id` (never a name, e-mail or other PII). */
  userId: string;
  /** Where the provider sends the LINK / SESSION_FINISHED webhook (our webhook receiver). */
  webhookUrl: string;
  /** Shown to the user on the provider's page. */
  clientName: string;
}

export interface LinkTokenCreated {
  linkToken: string;
  /** The hosted Link page the user opens (`hosted_link_url`). */
  linkUrl: string;
  /** ISO-8601 instant after which the link token can no longer be used. */
  expiration: string;
}

export interface PublicTokenExchanged {
  /** Long-lived secret: encrypt before storing, never log. */
  accessToken: string;
  itemId: string;
}

export interface LinkedAccountDetails {
  itemId: string;
  accountId: string;
  /** Last 4 digits of the account number as the provider reports them. */
  mask: string;
  name: string;
  /** `checking`, `savings`... (falls back to the account type when the provider gives no subtype). */
  subtype: string;
  institutionId: string;
  /** The bank name shown to users. */
  institutionName: string;
}

export interface PlaidLinkAdapterOptions {
  /** Products requested at link time; defaults to `auth` (account + routing numbers for ACH). */
  products?: Products[];
  countryCodes?: CountryCode[];
  language?: string;
}

/**
 * Bank linking through Plaid Link (seed "ACH Pull via Plaid", steps 2-4), over the official SDK only.
 * Every failure surfaces as a ProviderError.
 */
export class PlaidLinkAdapter {
  private readonly products: Products[];
  private readonly countryCodes: CountryCode[];
  private readonly language: string;

  constructor(
    private readonly plaid: PlaidApi,
    options: PlaidLinkAdapterOptions = {},
  ) {
    this.products = options.products ?? [Products.Auth];
    this.countryCodes = options.countryCodes ?? [CountryCode.Us];
    this.language = options.language ?? 'en';
  }

  async createLinkToken(input: CreateLinkTokenInput): Promise<LinkTokenCreated> {
    const data = await callPlaid('link/token/create', () =>
      this.plaid.linkTokenCreate({
        client_name: input.clientName,
        language: this.language,
        country_codes: this.countryCodes,
        user: { client_user_id: input.userId },
        products: this.products,
        webhook: input.webhookUrl,
        // Hosted Link: the provider returns a URL we can hand to the product app as `link_url`.
        hosted_link: {},
      }),
    );
    if (!data.hosted_link_url) {
      throw new ProviderError({
        code: 'HOSTED_LINK_URL_MISSING',
        message: 'link/token/create: provider returned no hosted_link_url (is Hosted Link enabled for this client?)',
        httpStatus: 502,
        requestId: data.request_id,
        retryable: false,
      });
    }
    return { linkToken: data.link_token, linkUrl: data.hosted_link_url, expiration: new Date(data.expiration).toISOString() };
  }

  async exchangePublicToken(publicToken: string): Promise<PublicTokenExchanged> {
    const data = await callPlaid('item/public_token/exchange', () =>
      this.plaid.itemPublicTokenExchange({ public_token: publicToken }),
    );
    return { accessToken: data.access_token, itemId: data.item_id };
  }

  /**
   * The account to pull from: the first depository checking account, else the first depository account.
   * The bank name comes from `item.institution_name`, or from /institutions/get_by_id when the item lacks it.
   */
  async getLinkedAccount(accessToken: string): Promise<LinkedAccountDetails> {
    const data = await callPlaid('accounts/get', () => this.plaid.accountsGet({ access_token: accessToken }));
    const account = pickAccount(data.accounts);
    if (!account) {
      throw incomplete('the item has no depository account', data.request_id);
    }
    if (!account.mask) throw incomplete('the account has no mask', data.request_id);
    const institutionId = data.item.institution_id;
    if (!institutionId) throw incomplete('the item has no institution_id', data.request_id);
    const institutionName = data.item.institution_name ?? (await this.institutionName(institutionId));
    return {
      itemId: data.item.item_id,
      accountId: account.account_id,
      mask: account.mask,
      name: account.name,
      subtype: account.subtype ?? account.type,
      institutionId,
      institutionName,
    };
  }

  private async institutionName(institutionId: string): Promise<string> {
    const data = await callPlaid('institutions/get_by_id', () =>
      this.plaid.institutionsGetById({ institution_id: institutionId, country_codes: this.countryCodes }),
    );
    return data.institution.name;
  }
}

function pickAccount(accounts: AccountBase[]): AccountBase | undefined {
  const depository = accounts.filter((a) => a.type === AccountType.Depository);
  return depository.find((a) => a.subtype === 'checking') ?? depository[0];
}

function incomplete(what: string, requestId: string): ProviderError {
  return new ProviderError({
    code: 'INCOMPLETE_ACCOUNT_DATA',
    message: `accounts/get: ${what}`,
    httpStatus: 502,
    requestId,
    retryable: false,
  });
}
