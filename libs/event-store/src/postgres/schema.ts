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
 *  1. it takes the stream's row in `streams` (UPDATE / INSERT ... ON CONFLICT), which both checks the
 *     expected revision and serialises writers of one stream: a concurrent writer blocks on the row lock
 *     and, under READ COMMITTED, re-checks its WHERE clause against the committed row, so exactly one of
 *     two writers expecting the same revision wins and the other gets `wrong_expected_version`;
 *  2. it inserts the events with consecutive revisions; `tx_id` defaults to the writing transaction's
 *     id and `global_position` comes from the identity sequence;
 *  3. if the expectation failed it looks the batch's event ids up in that stream: all present means a
 *     retry of an append that already happened (`idempotent`, with the first append's revision and
 *     position), some present means a batch mixing appended and new ids (`event_id_conflict`),
 *     none present is a genuine `wrong_expected_version`.
 * When the expectation holds but an id already exists (retry with `any`, or an id used in another
 * stream) the INSERT fails on `events_event_id_key` and the whole statement rolls back; the adapter
 * then calls `appended_events_result` to tell an idempotent retry from a conflict.
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
    `CREATE TABLE IF NOT EXISTS ${s}.streams (
       stream_id text PRIMARY KEY,
       revision bigint NOT NULL
     )`,
    `CREATE OR REPLACE FUNCTION ${s}.appended_events_result(
       p_stream_id text, p_events jsonb,
       OUT o_found bigint, OUT o_revision bigint, OUT o_commit xid8, OUT o_prepare bigint)
     LANGUAGE sql STABLE AS $fn$
       WITH found AS (
         SELECT ev.stream_revision, ev.tx_id, ev.global_position
           FROM ${s}.events ev
          WHERE ev.stream_id = p_stream_id
            AND ev.event_id IN (SELECT (x.value->>'id')::uuid FROM jsonb_array_elements(p_events) AS x(value))
       ), last AS (
         SELECT * FROM found ORDER BY stream_revision DESC LIMIT 1
       )
       SELECT (SELECT count(*) FROM found), last.stream_revision, last.tx_id, last.global_position
         FROM (SELECT 1) AS one LEFT JOIN last ON true
     $fn$`,
    `CREATE OR REPLACE FUNCTION ${s}.append_to_stream(
       p_stream_id text, p_expected text, p_expected_revision bigint, p_events jsonb,
       OUT o_status text, OUT o_revision bigint, OUT o_commit xid8, OUT o_prepare bigint, OUT o_actual bigint)
     LANGUAGE plpgsql AS $fn$
     DECLARE
       v_count bigint := jsonb_array_length(p_events);
       v_found bigint;
     BEGIN
       IF p_expected = 'exact' THEN
         UPDATE ${s}.streams AS st SET revision = st.revision + v_count
          WHERE st.stream_id = p_stream_id AND st.revision = p_expected_revision
         RETURNING st.revision INTO o_revision;
       ELSIF p_expected = 'no_stream' THEN
         INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_stream_id, v_count - 1)
         ON CONFLICT (stream_id) DO NOTHING
         RETURNING st.revision INTO o_revision;
       ELSIF p_expected = 'stream_exists' THEN
         UPDATE ${s}.streams AS st SET revision = st.revision + v_count
          WHERE st.stream_id = p_stream_id
         RETURNING st.revision INTO o_revision;
       ELSIF p_expected = 'any' THEN
         INSERT INTO ${s}.streams AS st (stream_id, revision) VALUES (p_stream_id, v_count - 1)
         ON CONFLICT (stream_id) DO UPDATE SET revision = st.revision + v_count
         RETURNING st.revision INTO o_revision;
       ELSE
         RAISE EXCEPTION 'append_to_stream: unknown expectation %', p_expected USING ERRCODE = '22023';
       END IF;

       IF o_revision IS NOT NULL THEN
         WITH ins AS (
           INSERT INTO ${s}.events (stream_id, stream_revision, event_id, type, data, metadata)
           SELECT p_stream_id, o_revision - v_count + e.ord, (e.value->>'id')::uuid, e.value->>'type',
                  e.value->'data', e.value->'metadata'
             FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, ord)
           RETURNING global_position
         )
         SELECT max(ins.global_position) INTO o_prepare FROM ins;
         o_commit := pg_current_xact_id();
         o_status := 'ok';
         RETURN;
       END IF;

       SELECT r.o_found, r.o_revision, r.o_commit, r.o_prepare INTO v_found, o_revision, o_commit, o_prepare
         FROM ${s}.appended_events_result(p_stream_id, p_events) AS r;
       IF v_found = v_count THEN
         o_status := 'idempotent';
       ELSIF v_found > 0 THEN
         o_status := 'event_id_conflict';
       ELSE
         o_status := 'wrong_expected_version';
         o_revision := NULL; o_commit := NULL; o_prepare := NULL;
       END IF;
       SELECT st.revision INTO o_actual FROM ${s}.streams AS st WHERE st.stream_id = p_stream_id;
     END
     $fn$`,
  ];
}
