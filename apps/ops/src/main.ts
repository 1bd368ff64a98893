import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { loadEmbeddedConfig } from '@payments/config';
import { resolveEmbeddedRuntime } from '../../embedded/src/embedded-runtime';
import { InfrastructureModule } from '@payments/infrastructure';
import { PlatformModule } from '../../api/src/platform';
import { RebuildProjectionCommand } from './rebuilding-projections/rebuild-projection.command';
import { CreateApiKeyCommand } from './managing-api-keys/create-api-key.command';
import { LedgerCommand, VerifyLedgerCommand } from './verifying-ledger/verify-ledger.command';
import { HistoryCommand } from './inspecting-history/history.command';
import { StateCommand } from './inspecting-history/state.command';
import { RepublishEventsCommand } from './republishing-events/republish-events.command';

/**
 * Operator CLI: `npm run ops -- <command>` (see README, "Operations"). With DATABASE_URL it works on that
 * database; without it, on the embedded default in DATA_DIR (running or not).
 */
async function main(): Promise<void> {
  const runtime = await resolveEmbeddedRuntime(loadEmbeddedConfig());
  const config = runtime.config;
  @Module({
    imports: [InfrastructureModule.forRoot({ config }), PlatformModule.forRoot({})],
    providers: [RebuildProjectionCommand, CreateApiKeyCommand, LedgerCommand, VerifyLedgerCommand, HistoryCommand, StateCommand, RepublishEventsCommand],
  })
  class OpsModule {}
  try {
    await CommandFactory.run(OpsModule, { logger: ['error', 'warn'] });
  } finally {
    await runtime.stop();
  }
}

void main();
