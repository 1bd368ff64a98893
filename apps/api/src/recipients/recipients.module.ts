import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AddRecipientController } from './add-recipient/add-recipient.controller';
import { AddRecipientHandler } from './add-recipient/add-recipient.handler';
import { ListRecipientsController } from './list-recipients/list-recipients.controller';
import { GetRecipientController } from './get-recipient/get-recipient.controller';
import { SetDefaultRecipientController } from './set-default-recipient/set-default-recipient.controller';
import { SetDefaultRecipientHandler } from './set-default-recipient/set-default-recipient.handler';
import { RemoveRecipientController } from './remove-recipient/remove-recipient.controller';
import { RemoveRecipientHandler } from './remove-recipient/remove-recipient.handler';

export const RECIPIENT_HANDLERS = [AddRecipientHandler, SetDefaultRecipientHandler, RemoveRecipientHandler];

/** Recipients: the seed's /user/bank-account/remote (save, list, read, set default, remove). */
@Module({
  imports: [CqrsModule],
  controllers: [AddRecipientController, ListRecipientsController, GetRecipientController, SetDefaultRecipientController, RemoveRecipientController],
  providers: [...RECIPIENT_HANDLERS],
})
export class RecipientsModule {}
