// A named scratch database for a benchmark: dropped and created at the start, dropped at the end.
import pg from 'pg'

export const adminUrl = process.env.OPENLINE_BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

function quoteIdent (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export function databaseUrl (name: string, base: string = adminUrl): string {
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}

async function withAdmin<T> (fn: (client: InstanceType<typeof pg.Client>) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Drop (if a crashed run left it) and create `name`; returns its URL. */
export async function recreateDatabase (name: string): Promise<string> {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`unsafe database name ${name}`)
  await withAdmin(async (client) => {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`)
    await client.query(`create database ${quoteIdent(name)}`)
  })
  return databaseUrl(name)
}

export async function dropDatabase (name: string): Promise<void> {
  await withAdmin(client => client.query(`drop database if exists ${quoteIdent(name)} with (force)`))
}
