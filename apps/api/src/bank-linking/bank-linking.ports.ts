/** What bank linking needs from the provider (implemented by the Plaid adapter in libs/providers). */
export interface LinkTokenProvider {
  createLinkToken(input: { userId: string; webhookUrl: string; clientName: string }): Promise<{
    linkToken: string;
    linkUrl: string;
    expiration: string;
  }>;
}

export interface BankLinkingOptions {
  /** Where the provider sends link webhooks: `<PUBLIC_BASE_URL>/webhooks/plaid`. */
  webhookUrl: string;
  clientName: string;
}
