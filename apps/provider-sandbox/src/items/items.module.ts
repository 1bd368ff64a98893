import { Module } from '@nestjs/common';
import { ItemStore } from './item.store';
import { ItemsController } from './items.controller';

/** Items, accounts and institutions: /item/public_token/exchange, /accounts/get, /institutions/get_by_id. */
@Module({
  controllers: [ItemsController],
  providers: [ItemStore],
  exports: [ItemStore],
})
export class ItemsModule {}
