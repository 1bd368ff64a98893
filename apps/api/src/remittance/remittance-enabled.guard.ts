import { CanActivate, Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@payments/config';
import { DomainError } from '@payments/domain';

/** 403 ErrorNotEnabled: the seed marks remittance "currently disabled in production"; REMITTANCE_ENABLED=true turns it on. */
export const remittanceNotEnabled = (): DomainError =>
  new DomainError('ErrorNotEnabled', 'cross-border remittance is not enabled on this service (REMITTANCE_ENABLED)', 'CategoryForbidden', [
    { key: 'feature', details: 'remittance' },
    { key: 'issue', details: 'not_enabled' },
  ]);

/**
 * Runs after authentication and before body validation or idempotency, so with the flag off every remittance route
 * answers the same 403 ErrorNotEnabled whatever the body, and nothing is read, validated or recorded.
 */
@Injectable()
export class RemittanceEnabledGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!this.config.remittanceEnabled) throw remittanceNotEnabled();
    return true;
  }
}
