// PostgreSQL background work during a phase: checkpoints (each CREATE/DROP DATABASE on the server
// forces one, e.g. from test runs sharing it) and autovacuum/autoanalyze runs on the bench tables.
// Both stall commits for a moment, which shows up in the p99 figures.
import pg from 'pg'

export interface PgMark {
  checkpoints: number
  autovacuums: number
  /** Committed transactions in the bench database: with ingest batching, fewer than messages. */
  commits: number
}

export interface PgProbe {
  mark: () => Promise<PgMark>
  close: () => Promise<void>
}

export async function pgProbe (databaseUrl: string): Promise<PgProbe> {
  const client = new pg.Client({ connectionString: databaseUrl })
  client.on('error', () => {})
  await client.connect()
  return {
    async mark () {
      // Statistics arrive asynchronously (flushed about once a second): take them fresh.
      await client.query('select pg_stat_clear_snapshot()')
      const { rows } = await client.query<{ checkpoints: string, autovacuums: string, commits: string }>(`
        select (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter)::text as checkpoints,
               (select coalesce(sum(autovacuum_count + autoanalyze_count), 0) from pg_stat_user_tables)::text as autovacuums,
               (select xact_commit from pg_stat_database where datname = current_database())::text as commits`)
      return { checkpoints: Number(rows[0].checkpoints), autovacuums: Number(rows[0].autovacuums), commits: Number(rows[0].commits) }
    },
    close: () => client.end().catch(() => {})
  }
}

export function pgSince (start: PgMark, end: PgMark): PgMark {
  return { checkpoints: end.checkpoints - start.checkpoints, autovacuums: end.autovacuums - start.autovacuums, commits: end.commits - start.commits }
}
