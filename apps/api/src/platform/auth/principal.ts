export type ApiKeyScope = 'app' | 'ops';

/** Who is calling: the product app (or operator) identified by its API key. */
export interface RequestPrincipal {
  apiKeyId: string;
  scope: ApiKeyScope;
}
