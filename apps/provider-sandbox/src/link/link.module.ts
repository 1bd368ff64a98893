import { Module } from '@nestjs/common';
import { ItemsModule } from '../items/items.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { LinkSessionStore } from './link-session.store';
import { LinkController } from './link.controller';
import { LinkService } from './link.service';

/** Plaid Link: /link/token/create, the hosted Link page, and the sandbox completion endpoint. */
@Module({
  imports: [ItemsModule, WebhooksModule],
  controllers: [LinkController],
  providers: [LinkSessionStore, LinkService],
})
export class LinkModule {}
