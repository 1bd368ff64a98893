import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { loadConfig } from '@payments/config';
import { InfrastructureModule } from '@payments/infrastructure';
import { PlatformModule } from '../../api/src/platform';
import { RebuildProjectionCommand } from './rebuilding-projections/rebuild-projection.command';
import { CreateApiKeyCommand } from './managing-api-keys/create-api-key.command';

/** Operator CLI: `npm run ops -- <command>` (see README, "Operations"). */
async function main(): Promise<void> {
  const config = loadConfig();
  @Module({
    imports: [InfrastructureModule.forRoot({ config }), PlatformModule.forRoot({})],
    providers: [RebuildProjectionCommand, CreateApiKeyCommand],
  })
  class OpsModule {}
  await CommandFactory.run(OpsModule, { logger: ['error', 'warn'] });
}

void main();
