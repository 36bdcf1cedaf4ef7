// The raw PostgreSQL baseline of the inbound benchmarks: single-row autocommit INSERTs of a row like
// a stored message, at a given concurrency (one connection per worker). Same table, statement and
// loop as ingest.ts's phase 3, so the figures of both benchmarks compare.
import pg from 'pg'
import { closedLoop } from './closedLoop.ts'
import { summarize, type Summary } from './stats.ts'

export interface RawInsertOptions {
  databaseUrl: string
  /** Measured rows. */
  rows: number
  concurrency: number
  /** Distinct conversation / user ids the rows cycle through. */
  clients: number
  /** Unmeasured rows first (connections, caches). */
  warmup: number
  /** Wraps the measured loop (e.g. CPU and PostgreSQL probes); defaults to running it. */
  around?: <T>(fn: () => Promise<T>) => Promise<T>
}

export interface RawInsertResult { rowsPerSec: number, insert: Summary, elapsedMs: number }

/** Creates `bench_raw` in the (scratch) database, fills it, and leaves it there for the database drop. */
export async function rawInsertRate (options: RawInsertOptions): Promise<RawInsertResult> {
  const { rows, concurrency, clients, warmup } = options
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: concurrency })
  // pool.end() resolves before its sockets close; the database drop may still reach one.
  pool.on('error', () => {})
  try {
    await pool.query(`create table bench_raw (
      id bigserial primary key, conversation_id bigint not null, body text not null,
      meta jsonb not null default '{}', created_at timestamptz not null default now())`)
    const insert = (i: number): Promise<unknown> => pool.query(
      'insert into bench_raw (conversation_id, body, meta, created_at) values ($1, $2, $3, now())',
      [i % clients, `r-${i}: Hello, my order #${1000 + (i % 9000)} has not arrived yet, can you help?`, JSON.stringify({ userId: `u${i % clients}` })])
    await closedLoop(warmup, concurrency, (i) => insert(rows + i).then(() => {}))
    const latencies: number[] = []
    const around = options.around ?? (<T>(fn: () => Promise<T>): Promise<T> => fn())
    const elapsedMs = await around(() => closedLoop(rows, concurrency, async (i) => {
      const start = performance.now()
      await insert(i)
      latencies.push(performance.now() - start)
    }))
    return { rowsPerSec: rows / (elapsedMs / 1000), insert: summarize(latencies), elapsedMs }
  } finally {
    await pool.end()
  }
}
