import pg from 'pg'

/** Create the configured database when it does not exist yet (first start on a fresh machine). */
export async function ensureDatabase (databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl)
  const name = decodeURIComponent(url.pathname.slice(1))
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`Database name "${name}" must be letters, digits and underscores`)
  url.pathname = '/postgres'
  const client = new pg.Client({ connectionString: url.toString() })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(`PostgreSQL is unreachable at ${url.host}: ${(err as Error).message}`)
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`)
      console.log(`[openline] created database ${name}`)
    }
  } finally {
    await client.end()
  }
}

/** Print a coded error as one line (no stack trace) and exit non-zero. */
export function exitWithError (err: unknown): never {
  const e = err as { code?: string, message?: string }
  console.error(`[openline] error${typeof e.code === 'string' ? ` ${e.code}` : ''}: ${e.message ?? String(err)}`)
  process.exit(1)
}
