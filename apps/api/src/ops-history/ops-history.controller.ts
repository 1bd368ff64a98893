import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { movementHistory, MovementHistory, parseStatePoint, PG_POOL, streamStateAt, StreamStateAt } from '@payments/read-models';
import { OpsOnly } from '../platform';

export class HistoryIdParam {
  @ApiProperty({ description: 'a pull, payout, transfer or remittance id' })
  @IsString()
  @MaxLength(100)
  id!: string;
}

export class StreamParam {
  @ApiProperty({ example: 'ach-pull-5b0c…', description: 'a stream id (ach-pull-, payout-, transfer-, remittance-, account-, customer-, …)' })
  @IsString()
  @MaxLength(200)
  stream!: string;
}

export class StateAtQuery {
  @ApiPropertyOptional({ description: 'a stream revision (0-based, inclusive) or an ISO-8601 time; the latest state when omitted' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  at?: string;
}

const notFound = (what: string, key: string, value: string): DomainError =>
  new DomainError('ErrorNotFound', `no ${what} ${value}`, 'CategoryNotFound', [{ key, details: value }]);

/** Ops: the timeline of a money movement and an aggregate's state at a point in time (same as `ops history` / `ops state`). */
@ApiTags('ops')
@Controller('ops')
export class OpsHistoryController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get('history/:id')
  @OpsOnly()
  @ApiOperation({ summary: 'Every event of a pull, payout, transfer or remittance (and its account movements) with metadata and the provider event that caused it (ops-scoped key).' })
  @ApiResponse({ status: 200, description: '{id, streams, events: [{stream, revision, type, time, actor, causation_id, correlation_id, idempotency_key, provider_event}]}' })
  async history(@Param() params: HistoryIdParam): Promise<MovementHistory> {
    const history = await movementHistory(this.store, this.pool, params.id);
    if (!history) throw notFound('pull, payout, transfer or remittance', 'id', params.id);
    return history;
  }

  @Get('streams/:stream/state')
  @OpsOnly()
  @ApiOperation({ summary: "A stream's aggregate state folded up to a revision or time (ops-scoped key)." })
  @ApiResponse({ status: 200, description: '{stream, revision, as_of, last_event_type, events_folded, events_in_stream, state}' })
  async state(@Param() params: StreamParam, @Query() query: StateAtQuery): Promise<StreamStateAt> {
    const state = await streamStateAt(this.store, params.stream, parseStatePoint(query.at));
    if (!state) throw notFound('stream', 'stream', params.stream);
    return state;
  }
}
