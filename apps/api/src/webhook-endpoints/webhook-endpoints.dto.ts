import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDate, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '@payments/messaging';
import { PageQuery } from '../shared/page-query.dto';

export class CreateWebhookEndpointRequest {
  @ApiProperty({ example: 'https://app.example.com/v2/webhooks/activities', description: 'http(s); plain http only for localhost in production' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ description: 'HMAC key (16–256 characters); generated (whsec_…) and shown once when omitted' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret?: string;

  @ApiProperty({ example: ['ach_pull.completed', 'transfer.completed'], description: 'public event types, or ["*"] for all' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsIn([...WEBHOOK_EVENT_TYPES, '*'], { each: true })
  event_types!: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class EndpointIdParam {
  @ApiProperty() @IsUUID() endpoint_id!: string;
}

export class DeliveryIdParam extends EndpointIdParam {
  @ApiProperty() @IsUUID() delivery_id!: string;
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: string;
}

export class RedeliverFailedRequest {
  @ApiProperty({ description: 'every failed delivery created at or after this time (ISO 8601)' })
  @Type(() => Date)
  @IsDate()
  failed_since!: Date;
}
