import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgDump, formatFindings, scanDump, scanLog, spellings, unscannable } from './leak-check';
import { RecordedNumber, appendRecordedNumber, readRecordedNumbers } from './run-files';

const account: RecordedNumber = { kind: 'account_number', value: '731904452618', recordedBy: 'apps/x/x.e2e.spec.ts' };
const routing: RecordedNumber = { kind: 'routing_number', value: '061000104' };
const iban: RecordedNumber = { kind: 'iban', value: 'DE44500105175407324931' };
const sortCode: RecordedNumber = { kind: 'sort_code', value: '401276' };
const numbers = [account, routing, iban, sortCode];

/** A plain pg_dump as pg_dump writes it: schema, then one COPY block per table. */
const dump = (eventsRow: string, recipientsRow = 'r-1\t{"last4": "2618"}\t2026-11-21 16:27:59.401276+00') =>
  [
    'CREATE TABLE public.events (',
    '    id text NOT NULL',
    ');',
    'COPY public.events (id, data) FROM stdin;',
    'e-1\t{"type": "AccountOpened"}',
    eventsRow,
    '\\.',
    '',
    'COPY public.recipients (id, account, created_at) FROM stdin;',
    recipientsRow,
    '\\.',
    '',
    'ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);',
  ].join('\n');

describe('leak check scanner (self-check: planted numbers are found)', () => {
  it('finds a planted account number in a dump and names the database, table and line, never the number', () => {
    const findings = scanDump('payments_test_1_recipients_ab12', dump('e-2\t{"account_number": "731904452618"}'), numbers);
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'account_number', masked: '****2618', where: 'database payments_test_1_recipients_ab12, table public.events, dump line 6' }),
    ]);
    const report = formatFindings(findings);
    expect(report).toContain('used by apps/x/x.e2e.spec.ts');
    expect(report).toContain('[account_number ****2618]');
    expect(report).not.toContain('731904452618');
  });

  it('finds every kind in every spelling: routing numbers, IBANs compact or grouped in any case, sort codes with dashes', () => {
    const found = (row: string) => scanDump('db', dump(`e-2\t${row}`), numbers).map((f) => f.kind);
    expect(found('routing 061000104')).toEqual(['routing_number']);
    expect(found('iban DE44500105175407324931')).toEqual(['iban']);
    expect(found('iban de44 5001 0517 5407 3249 31')).toEqual(['iban']);
    expect(found('sort code 40-12-76')).toEqual(['sort_code']);
    expect(found('sort code 401276 and account 731904452618x')).toEqual(['sort_code', 'account_number']);
    expect(found('ciphertext v1.AbC.dEf.gHi and last4 2618')).toEqual([]);
  });

  it('does not take a time stamp fraction or a longer digit run for a sort code, and says "schema" outside table data', () => {
    expect(scanDump('db', dump('e-2\t{}'), numbers)).toEqual([]); // the recipients row's time stamp ends .401276
    expect(scanDump('db', dump('e-2\t{"n": 94012765}'), numbers)).toEqual([]);
    const inSchema = scanDump('db', `${dump('e-2\t{}')}\nCOMMENT ON TABLE public.events IS '731904452618';`, numbers);
    expect(inSchema.map((f) => f.where)).toEqual(['database db, schema, dump line 14']);
  });

  it('finds a planted number in a log file, with the line number and the masked line', () => {
    const log = [
      '{"level":"info","msg":"request completed","status":201}',
      '{"level":"error","msg":"provider refused payout to 731904452618 via 061000104"}',
    ].join('\n');
    const findings = scanLog('/tmp/run/logs/service-1.log', log, numbers);
    expect(findings.map((f) => [f.kind, f.where])).toEqual([
      ['account_number', 'log /tmp/run/logs/service-1.log, line 2'],
      ['routing_number', 'log /tmp/run/logs/service-1.log, line 2'],
    ]);
    expect(findings[0].excerpt).toBe('{"level":"error","msg":"provider refused payout to [account_number ****2618] via [routing_number ****0104]"}');
    expect(scanLog('clean.log', '{"level":"info","account_number":"****2618"}', numbers)).toEqual([]);
  });

  it('refuses to record numbers too short to look for', () => {
    expect(unscannable('account_number', '4417')).toMatch(/shorter than 8/);
    expect(unscannable('account_number', '12365498')).toBeUndefined();
    expect(unscannable('sort_code', '60-16-13')).toBeUndefined();
    expect(unscannable('sort_code', '6016')).toMatch(/6 digits/);
    expect(spellings(sortCode)).toHaveLength(2);
  });

  it('reads recorded numbers back from the run directory, each once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leak-check-unit-'));
    try {
      expect(readRecordedNumbers(dir)).toEqual([]);
      appendRecordedNumber(dir, account);
      appendRecordedNumber(dir, account);
      appendRecordedNumber(dir, iban);
      expect(readRecordedNumbers(dir)).toEqual([account, iban]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds pg_dump: PG_DUMP first, else the newest /usr/lib/postgresql/<v>/bin, else PATH', () => {
    const root = mkdtempSync(join(tmpdir(), 'leak-check-pg-'));
    try {
      expect(() => findPgDump({ PATH: '' }, join(root, 'none'))).toThrow(/pg_dump not found/);
      expect(() => findPgDump({ PG_DUMP: join(root, 'missing') }, root)).toThrow(/does not exist/);
      for (const v of ['9.6', '15', '13']) {
        mkdirSync(join(root, v, 'bin'), { recursive: true });
        writeFileSync(join(root, v, 'bin', 'pg_dump'), '');
      }
      expect(findPgDump({}, root)).toBe(join(root, '15', 'bin', 'pg_dump'));
      expect(findPgDump({ PATH: join(root, '13', 'bin') }, join(root, 'none'))).toBe(join(root, '13', 'bin', 'pg_dump'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
