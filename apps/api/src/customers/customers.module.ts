import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CreateProfileController } from './create-profile/create-profile.controller';
import { CreateProfileHandler } from './create-profile/create-profile.handler';
import { ChangeKycStatusController } from './change-kyc-status/change-kyc-status.controller';
import { ChangeKycStatusHandler } from './change-kyc-status/change-kyc-status.handler';
import { GetUserController } from './get-user/get-user.controller';
import { GetUserV2Controller } from './get-user-v2/get-user-v2.controller';
import { ChangeCapabilityController } from './change-capability/change-capability.controller';
import { ChangeCapabilityHandler } from './change-capability/change-capability.handler';

export const CUSTOMER_HANDLERS = [CreateProfileHandler, ChangeKycStatusHandler, ChangeCapabilityHandler];

/** Customers bounded context: profile, KYC status (ops), capabilities (ops), user status. */
@Module({
  imports: [CqrsModule],
  controllers: [CreateProfileController, ChangeKycStatusController, ChangeCapabilityController, GetUserController, GetUserV2Controller],
  providers: [...CUSTOMER_HANDLERS],
})
export class CustomersModule {}
