import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { ALL_PROJECTIONS, PG_POOL, projectionByName, rebuildProjection, rebuildProjectionInShadow, ShadowRebuildReport } from '@payments/read-models';

interface RebuildOptions {
  inPlace?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `ops rebuild <projection|all>`: rebuild a read model from position 0 into shadow tables while the live projector
 * goes on, report drift (rows that differ from the live tables, per table with a sample of keys), then swap: the live
 * tables take the shadow's rows in one transaction and the checkpoint moves to the shadow's position (see
 * rebuildProjectionInShadow). `--dry-run` reports drift only; `--in-place` is the old one-transaction rebuild.
 * Exit code 3 when a dry run found drift.
 */
@Command({
  name: 'rebuild',
  arguments: '<projection>',
  description: `rebuild a projection from position 0 in shadow tables, report drift, swap (${ALL_PROJECTIONS.map((p) => p.name).join(', ')}, or "all")`,
})
export class RebuildProjectionCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  async run([name]: string[], options: RebuildOptions = {}): Promise<void> {
    const targets = name === 'all' ? ALL_PROJECTIONS : [projectionByName(name)].filter((p) => p !== undefined);
    if (targets.length === 0) {
      process.exitCode = 2;
      console.error(`unknown projection "${name}"; known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}, all`);
      return;
    }
    for (const projection of targets) {
      const started = Date.now();
      if (options.inPlace) {
        const report = await rebuildProjection(this.store, this.pool, projection);
        console.log(
          `rebuilt ${report.projection} in place: ${report.eventsApplied} events applied of ${report.eventsRead} read, ` +
            `checkpoint ${report.position.commit}/${report.position.prepare}, ${Date.now() - started} ms`,
        );
        continue;
      }
      const report = await rebuildProjectionInShadow(this.store, this.pool, projection, { dryRun: options.dryRun });
      if (options.json) console.log(JSON.stringify(jsonReport(report)));
      else console.log(formatReport(report, Date.now() - started));
      if (options.dryRun && report.driftRows > 0) process.exitCode = 3;
    }
  }

  @Option({ flags: '--dry-run', description: 'build the shadow and report drift, but leave the live tables unchanged' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--in-place', description: 'the old rebuild: empty and refill the live tables in one transaction (no drift report)' })
  parseInPlace(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'one JSON report per projection' })
  parseJson(): boolean {
    return true;
  }
}

function jsonReport(report: ShadowRebuildReport): Record<string, unknown> {
  const position = (p: { commit: bigint; prepare: bigint }) => ({ commit: p.commit.toString(), prepare: p.prepare.toString() });
  return { ...report, position: position(report.position), liveCheckpoint: position(report.liveCheckpoint) };
}

function formatReport(report: ShadowRebuildReport, ms: number): string {
  const lines = [
    `rebuilt ${report.projection}: ${report.eventsApplied} events applied of ${report.eventsRead} read, ` +
      `checkpoint ${report.position.commit}/${report.position.prepare}, ${ms} ms`,
    `  drift: ${report.driftRows} rows${report.swapped ? (report.driftRows > 0 ? ', live tables corrected by the swap' : ', swapped') : ' (dry run: live tables unchanged)'}`,
  ];
  for (const d of report.drift) {
    const differs = d.missingInLive + d.extraInLive + d.changed;
    lines.push(
      `  ${d.table}: live ${d.liveRows} rows, rebuilt ${d.shadowRows}` +
        (differs > 0 ? `; missing in live ${d.missingInLive}, extra in live ${d.extraInLive}, changed ${d.changed}; e.g. ${d.sampleKeys.map((k) => JSON.stringify(k)).join(' ')}` : '; no drift'),
    );
  }
  return lines.join('\n');
}
