import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { IsNotEmpty, IsString } from 'class-validator';
import { newRequestId } from '../common/ids';
import { PlaidApiException } from '../common/plaid-api.exception';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import { PlaidRequestDto } from '../common/plaid-request.dto';
import { WebhookKeyRing } from './webhook-key-ring';

export class WebhookVerificationKeyGetDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  key_id!: string;
}

@Controller()
@UseGuards(PlaidCredentialsGuard)
export class WebhookVerificationKeyController {
  constructor(private readonly keys: WebhookKeyRing) {}

  /** POST /webhook_verification_key/get { key_id } -> { key: JWK, request_id } */
  @Post('webhook_verification_key/get')
  @HttpCode(200)
  get(@Body() dto: WebhookVerificationKeyGetDto): Record<string, unknown> {
    const key = this.keys.publicKey(dto.key_id);
    if (!key) throw PlaidApiException.invalidWebhookVerificationKeyId();
    return { key, request_id: newRequestId() };
  }
}
