import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CreateProfileController } from './create-profile/create-profile.controller';
import { CreateProfileHandler } from './create-profile/create-profile.handler';
import { ChangeKycStatusController } from './change-kyc-status/change-kyc-status.controller';
import { ChangeKycStatusHandler } from './change-kyc-status/change-kyc-status.handler';
import { GetUserController } from './get-user/get-user.controller';

export const CUSTOMER_HANDLERS = [CreateProfileHandler, ChangeKycStatusHandler];

/** Customers bounded context: profile, KYC status (ops), user status. */
@Module({
  imports: [CqrsModule],
  controllers: [CreateProfileController, ChangeKycStatusController, GetUserController],
  providers: [...CUSTOMER_HANDLERS],
})
export class CustomersModule {}
