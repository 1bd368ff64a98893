/**
 * DDL of the Postgres event store, per schema. Everything is idempotent (`IF NOT EXISTS`, `CREATE OR
 * REPLACE`) and `ensureSchema()` runs it under a transaction-scoped advisory lock, so any number of
 * processes may call it concurrently at start-up.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates a lower-case SQL identifier and returns it double-quoted. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`Invalid Postgres identifier ${JSON.stringify(name)}: use [a-z_][a-z0-9_]*, at most 63 characters`);
  }
  return `"${name}"`;
}

/**
 * The statements that create the event store in schema `s` (already quoted).
 *
 * `append_to_stream` does a whole append in one statement (one network round trip, one implicit
 * transaction when called outside BEGIN):
 *  1. unless the expectation is `no_stream`, it reads the stream's last revision (a backward scan of the
 *     (stream_id, stream_revision) index) and checks `exact` / `stream_exists` against it;
 *  2. it inserts the events at the next revisions; `tx_id` defaults to the writing transaction's id and
 *     `global_position` comes from the identity sequence.
 * Optimistic concurrency is the unique index on (stream_id, stream_revision): two writers that read the
 * same last revision insert the same next revision, so the second blocks on the first's index entry
 * and, once the first commits, fails with a unique violation (and writes nothing). `no_stream` simply
 * inserts revision 0, which fails the same way if the stream exists. A plain index read is much cheaper
 * than locking a per-stream row, which would cost a second row write per append.
 *
 * On a failed check (no write happened) the function itself tells the three cases apart by looking the
 * batch's event ids up in the stream: all present is a retry of an append that already happened
 * (`idempotent`, with that append's revision and position), some present is a batch mixing appended and
 * new ids (`event_id_conflict`), none is a genuine `wrong_expected_version`. After a unique violation
 * (raised by the INSERT, so the whole statement rolled back) the adapter asks `append_conflict` the same
 * question in a second round trip; that is only paid on conflicts.
 */
export function schemaStatements(s: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.events (
       global_position bigint GENERATED ALWAYS AS IDENTITY,
       stream_id text NOT NULL,
       stream_revision bigint NOT NULL,
       event_id uuid NOT NULL,
       type text NOT NULL,
       data jsonb NOT NULL,
       metadata jsonb NOT NULL,
       recorded_at timestamptz NOT NULL DEFAULT now(),
       tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       -- The global order, and the index every global read walks. (global_position alone is unique by
       -- construction; a second btree on it would only slow appends down.)
       CONSTRAINT events_pkey PRIMARY KEY (tx_id, global_position),
       CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision),
       CONSTRAINT events_event_id_key UNIQUE (event_id)
     )`,
    `CREATE OR REPLACE FUNCTION ${s}.append_conflict(
       p_stream_id text, p_events jsonb,
       OUT o_found bigint, OUT o_revision bigint, OUT o_commit xid8, OUT o_prepare bigint, OUT o_current bigint)
     LANGUAGE sql STABLE AS $fn$
       WITH found AS (
         SELECT ev.stream_revision, ev.tx_id, ev.global_position
           FROM ${s}.events ev
          WHERE ev.stream_id = p_stream_id
            AND ev.event_id IN (SELECT (x.value->>'id')::uuid FROM jsonb_array_elements(p_events) AS x(value))
       ), last_found AS (
         SELECT * FROM found ORDER BY stream_revision DESC LIMIT 1
       )
       SELECT (SELECT count(*) FROM found), lf.stream_revision, lf.tx_id, lf.global_position,
              (SELECT cur.stream_revision FROM ${s}.events cur WHERE cur.stream_id = p_stream_id
                ORDER BY cur.stream_revision DESC LIMIT 1)
         FROM (SELECT 1) AS one LEFT JOIN last_found AS lf ON true
     $fn$`,
    // Several whole streams in one statement, for EventStore.readStreams. A function with its own planner setting for
    // the same reason as append_to_stream below: a plan cached while the table was small must not be a table scan.
    `CREATE OR REPLACE FUNCTION ${s}.read_streams(p_stream_ids text[])
     RETURNS TABLE (i bigint, global_position bigint, tx_id xid8, stream_id text, stream_revision bigint, event_id uuid,
                    type text, data jsonb, metadata jsonb, recorded_at timestamptz)
     LANGUAGE sql STABLE SET enable_seqscan = off AS $fn$
       SELECT r.i, ev.global_position, ev.tx_id, ev.stream_id, ev.stream_revision, ev.event_id, ev.type, ev.data, ev.metadata, ev.recorded_at
         FROM unnest(p_stream_ids) WITH ORDINALITY AS r(stream_id, i)
        CROSS JOIN LATERAL (SELECT * FROM ${s}.events e WHERE e.stream_id = r.stream_id) AS ev
        ORDER BY r.i, ev.stream_revision
     $fn$`,
    `CREATE OR REPLACE FUNCTION ${s}.read_stream_range(p_stream_id text, p_from bigint, p_to bigint, p_max bigint)
     RETURNS SETOF ${s}.events
     LANGUAGE sql STABLE SET enable_seqscan = off AS $fn$
       SELECT * FROM ${s}.events ev
        WHERE ev.stream_id = p_stream_id AND ev.stream_revision >= p_from AND ev.stream_revision <= p_to
        ORDER BY ev.stream_revision LIMIT p_max
     $fn$`,
    `CREATE OR REPLACE FUNCTION ${s}.read_stream_last(p_stream_id text)
     RETURNS SETOF ${s}.events
     LANGUAGE sql STABLE SET enable_seqscan = off AS $fn$
       SELECT * FROM ${s}.events ev WHERE ev.stream_id = p_stream_id ORDER BY ev.stream_revision DESC LIMIT 1
     $fn$`,
    // One page of the global log below the safe high-water mark, which comes from the same statement, hence the same
    // snapshot; MATERIALIZED keeps the mark and the "pending" probe evaluated once, not per row.
    `CREATE OR REPLACE FUNCTION ${s}.read_page(p_after_commit xid8, p_after_prepare bigint, p_limit bigint, p_types text[], p_prefixes text[])
     RETURNS TABLE (o_safe_xmin xid8, o_pending boolean, o_global_position bigint, o_tx_id xid8, o_stream_id text,
                    o_stream_revision bigint, o_event_id uuid, o_type text, o_data jsonb, o_metadata jsonb, o_recorded_at timestamptz)
     LANGUAGE sql STABLE SET enable_seqscan = off AS $fn$
       WITH hw AS MATERIALIZED (
         SELECT x.safe_xmin, EXISTS (SELECT 1 FROM ${s}.events p WHERE p.tx_id >= x.safe_xmin) AS pending
           FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS safe_xmin) AS x
       )
       SELECT hw.safe_xmin, hw.pending, e.global_position, e.tx_id, e.stream_id, e.stream_revision, e.event_id, e.type,
              e.data, e.metadata, e.recorded_at
         FROM hw LEFT JOIN LATERAL (
           SELECT ev.* FROM ${s}.events ev
            WHERE (ev.tx_id, ev.global_position) > (p_after_commit, p_after_prepare)
              AND ev.tx_id < hw.safe_xmin
              AND (p_types IS NULL OR ev.type = ANY (p_types))
              AND (p_prefixes IS NULL OR EXISTS (
                    SELECT 1 FROM unnest(p_prefixes) AS prefix(p) WHERE starts_with(ev.stream_id, prefix.p)))
            ORDER BY ev.tx_id, ev.global_position
            LIMIT p_limit
         ) AS e ON true
        ORDER BY e.tx_id, e.global_position
     $fn$`,
    `CREATE OR REPLACE FUNCTION ${s}.append_to_stream(
       p_stream_id text, p_expected text, p_expected_revision bigint, p_events jsonb,
       OUT o_status text, OUT o_revision bigint, OUT o_commit xid8, OUT o_prepare bigint, OUT o_actual bigint)
     -- Its statements are planned once per connection and the plans kept. Planned while the table was still
     -- small (a new database), they were sequential scans, each slower than the last as the table grew, until
     -- autovacuum's ANALYZE replanned them (seen in bench:payouts: 1,500 → 350 appends/s within seconds).
     -- Every lookup here has its index; never scan the table.
     LANGUAGE plpgsql SET enable_seqscan = off AS $fn$
     DECLARE
       v_count bigint := jsonb_array_length(p_events);
       v_current bigint;
       v_found bigint;
     BEGIN
       IF p_expected NOT IN ('no_stream', 'any', 'stream_exists', 'exact') THEN
         RAISE EXCEPTION 'append_to_stream: unknown expectation %', p_expected USING ERRCODE = '22023';
       END IF;
       IF p_expected <> 'no_stream' THEN
         SELECT ev.stream_revision INTO v_current FROM ${s}.events ev
          WHERE ev.stream_id = p_stream_id ORDER BY ev.stream_revision DESC LIMIT 1;
       END IF;

       IF (p_expected = 'exact' AND v_current IS DISTINCT FROM p_expected_revision)
          OR (p_expected = 'stream_exists' AND v_current IS NULL) THEN
         SELECT c.o_found, c.o_revision, c.o_commit, c.o_prepare, c.o_current
           INTO v_found, o_revision, o_commit, o_prepare, o_actual
           FROM ${s}.append_conflict(p_stream_id, p_events) AS c;
         IF v_found = v_count THEN
           o_status := 'idempotent';
         ELSIF v_found > 0 THEN
           o_status := 'event_id_conflict';
         ELSE
           o_status := 'wrong_expected_version';
         END IF;
         RETURN;
       END IF;

       WITH ins AS (
         INSERT INTO ${s}.events (stream_id, stream_revision, event_id, type, data, metadata)
         SELECT p_stream_id, coalesce(v_current, -1) + e.ord, (e.value->>'id')::uuid, e.value->>'type',
                e.value->'data', e.value->'metadata'
           FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
         RETURNING global_position
       )
       SELECT max(ins.global_position) INTO o_prepare FROM ins;
       o_revision := coalesce(v_current, -1) + v_count;
       o_commit := pg_current_xact_id();
       o_status := 'ok';
     END
     $fn$`,
  ];
}
