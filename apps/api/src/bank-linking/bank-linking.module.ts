import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RequestLinkController } from './request-link/request-link.controller';
import { RequestLinkHandler } from './request-link/request-link.handler';
import { GetLinkedAccountController } from './get-linked-account/get-linked-account.controller';
import { UnlinkController } from './unlink/unlink.controller';
import { UnlinkHandler } from './unlink/unlink.handler';

export const BANK_LINKING_HANDLERS = [RequestLinkHandler, UnlinkHandler];

/** Bank linking bounded context (API side); completion arrives through provider webhooks (worker). */
@Module({
  imports: [CqrsModule],
  controllers: [RequestLinkController, GetLinkedAccountController, UnlinkController],
  providers: [...BANK_LINKING_HANDLERS],
})
export class BankLinkingModule {}
