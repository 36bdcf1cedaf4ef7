// Per-test PostgreSQL databases cloned from a migrated template.
//
// Migrating once into `openline_tpl_<key>` and then running
// `CREATE DATABASE ... TEMPLATE` is far faster than migrating every test
// database, and gives each test file its own isolated database.
import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'

export type TestDatabase = {
  url: string
  name: string
  drop(): Promise<void>
}

export type CreateTestDatabaseOptions = {
  /** URL of a database the user may CREATE DATABASE from, e.g. postgres://postgres@127.0.0.1:5432/postgres */
  adminUrl: string
  /** Identifies the template's content (e.g. a hash of the migrations); a new key means a new template. */
  templateKey: string
  /** Fills the freshly created template database (runs migrations). Must close its connections. */
  prepare: (databaseUrl: string) => Promise<void>
}

const TEMPLATE_PREFIX = 'openline_tpl_'
const TEST_PREFIX = 'openline_test_'
const MAX_IDENTIFIER = 63 // PostgreSQL's NAMEDATALEN - 1

type Client = InstanceType<typeof pg.Client>

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

// Lowercase [a-z0-9_] only, and short enough for a 63-byte identifier; long
// keys (e.g. sha256 hex) are shortened with a hash so they stay distinct.
function templateName(templateKey: string): string {
  const key = templateKey.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const room = MAX_IDENTIFIER - TEMPLATE_PREFIX.length
  if (key.length <= room) return TEMPLATE_PREFIX + key
  const digest = createHash('sha256').update(templateKey).digest('hex').slice(0, 16)
  return `${TEMPLATE_PREFIX}${key.slice(0, room - 17)}_${digest}`
}

// The creation time is part of the name so stale databases of crashed runs
// can be recognised without extra bookkeeping.
function testDatabaseName(): string {
  return `${TEST_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function dropDatabase(client: Client, name: string): Promise<void> {
  // A template database cannot be dropped until it is unmarked.
  await client.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`).catch(() => {})
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
}

// Creates and prepares the template unless a finished one exists. The
// advisory lock (per template name) serialises parallel test processes;
// IS_TEMPLATE is set only after prepare() succeeded, so a database that exists
// without it is a leftover of a crashed run and is rebuilt.
async function ensureTemplate(client: Client, name: string, options: CreateTestDatabaseOptions): Promise<void> {
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [name])
  try {
    const found = await client.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [name])
    if (found.rows[0]?.datistemplate === true) return
    if (found.rows.length > 0) await dropDatabase(client, name)
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`)
    try {
      await options.prepare(databaseUrl(options.adminUrl, name))
      await client.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true`)
    } catch (err) {
      // Drop the half-made template so the next run retries from scratch.
      await dropDatabase(client, name).catch(() => {})
      throw err
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name])
  }
}

export async function createTestDatabase(options: CreateTestDatabaseOptions): Promise<TestDatabase> {
  const template = templateName(options.templateKey)
  const name = testDatabaseName()
  await withClient(options.adminUrl, async (client) => {
    await ensureTemplate(client, template, options)
    // Cloning fails while anyone is connected to the template (e.g. a pool
    // from prepare() that is still closing): retry for a little while.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`)
        return
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        if (attempt >= 20 || !message.includes('is being accessed by other users')) throw err
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
      }
    }
  })
  return {
    name,
    url: databaseUrl(options.adminUrl, name),
    drop: () => withClient(options.adminUrl, (client) => dropDatabase(client, name)),
  }
}

/** Drops `openline_test_*` databases created more than `olderThanMs` ago (left by crashed runs). Returns their names. */
export async function dropStaleTestDatabases(adminUrl: string, olderThanMs: number): Promise<string[]> {
  return withClient(adminUrl, async (client) => {
    const result = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'openline\\_test\\_%'",
    )
    const cutoff = Date.now() - olderThanMs
    const dropped: string[] = []
    for (const { datname } of result.rows) {
      const created = /^openline_test_(\d+)_[0-9a-f]+$/.exec(datname)
      if (!created || Number(created[1]) * 1000 > cutoff) continue
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`)
      dropped.push(datname)
    }
    return dropped
  })
}

/** Drops one template (e.g. after a test of the template machinery itself). */
export async function dropTemplate(adminUrl: string, templateKey: string): Promise<void> {
  await withClient(adminUrl, (client) => dropDatabase(client, templateName(templateKey)))
}

/**
 * Drops every `openline_tpl_*` template except the one for `keepKey` (old
 * migration states). Templates being prepared right now (lock held) are left alone.
 * Returns the dropped names.
 */
export async function dropTemplates(adminUrl: string, keepKey?: string): Promise<string[]> {
  const keep = keepKey === undefined ? undefined : templateName(keepKey)
  return withClient(adminUrl, async (client) => {
    const result = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'openline\\_tpl\\_%'",
    )
    const dropped: string[] = []
    for (const { datname } of result.rows) {
      if (datname === keep) continue
      const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [datname])
      if (!locked.rows[0]?.ok) continue
      try {
        await dropDatabase(client, datname)
        dropped.push(datname)
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [datname])
      }
    }
    return dropped
  })
}
