import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { Public } from '../auth/auth.decorators';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, ResolvedPlatformOptions } from '../platform.tokens';
import { CheckResult, HealthRegistry } from './health.registry';

export interface ReadinessBody {
  status: 'ok' | 'unavailable';
  checks: CheckResult[];
  failed: string[];
}

@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly registry: HealthRegistry,
    @Inject(PLATFORM_OPTIONS) private readonly options: ResolvedPlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  /** 200 while the process runs. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when every registered readiness check passes, else 503 naming the failed ones. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessBody> {
    const result = await this.registry.run(this.options.readinessTimeoutMs, (name, error) =>
      this.logger.warn({ err: error, check: name }, 'readiness check failed'),
    );
    void reply.status(result.ok ? 200 : 503);
    return { status: result.ok ? 'ok' : 'unavailable', checks: result.checks, failed: result.checks.filter((c) => !c.ok).map((c) => c.name) };
  }
}
