import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { createTestDatabase, dropStaleTestDatabases, dropTemplate } from '../src/database.ts'

const adminUrl = process.env.OPENLINE_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows as T[]
  } finally {
    await client.end()
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const rows = await query<{ n: number }>(adminUrl, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`)
  return rows[0].n === 1
}

// Fresh keys per run so every run exercises template creation.
function freshKey(label: string): string {
  return `${label}_${randomBytes(4).toString('hex')}`
}

// Trivial stand-in for migrations; counts calls to prove the template is reused.
function tablePrepare(calls: { n: number }) {
  return async (url: string): Promise<void> => {
    calls.n++
    await query(url, 'CREATE TABLE widgets (id int PRIMARY KEY)')
  }
}

t.test('databases cloned from one template are distinct and droppable', async (t) => {
  const key = freshKey('dbtest')
  t.teardown(() => dropTemplate(adminUrl, key))
  const calls = { n: 0 }
  const a = await createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare(calls) })
  const b = await createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare(calls) })
  t.equal(calls.n, 1, 'prepare ran once for the template')
  t.not(a.name, b.name)
  t.not(a.url, b.url)
  t.match(a.name, /^openline_test_\d+_[0-9a-f]+$/)
  t.match(a.url, new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:5432/${a.name}$`))

  await query(a.url, 'INSERT INTO widgets VALUES (1)')
  t.same(await query(a.url, 'SELECT id FROM widgets'), [{ id: 1 }], 'a has the table')
  t.same(await query(b.url, 'SELECT id FROM widgets'), [], 'b has the table, without a’s row')

  await a.drop()
  await b.drop()
  await b.drop() // idempotent
  t.notOk(await databaseExists(a.name), 'a dropped')
  t.notOk(await databaseExists(b.name), 'b dropped')
})

t.test('concurrent creation with a fresh template key', async (t) => {
  const key = freshKey('dbconc')
  t.teardown(() => dropTemplate(adminUrl, key))
  const calls = { n: 0 }
  const dbs = await Promise.all(
    [1, 2, 3].map(() => createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare(calls) })),
  )
  t.equal(calls.n, 1, 'template prepared once')
  t.equal(new Set(dbs.map((db) => db.name)).size, 3)
  for (const db of dbs) {
    t.same(await query(db.url, 'SELECT count(*)::int AS n FROM widgets'), [{ n: 0 }])
    await db.drop()
  }
})

t.test('a failed prepare leaves no template behind, so the next run retries', async (t) => {
  const key = freshKey('dbfail')
  t.teardown(() => dropTemplate(adminUrl, key))
  await t.rejects(
    createTestDatabase({
      adminUrl,
      templateKey: key,
      prepare: async () => {
        throw new Error('migration failed')
      },
    }),
    /migration failed/,
  )
  t.notOk(await databaseExists(`openline_tpl_${key}`))
  const calls = { n: 0 }
  const db = await createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare(calls) })
  t.equal(calls.n, 1)
  await db.drop()
})

t.test('long template keys are shortened to valid identifiers', async (t) => {
  const key = `Long-Key.${'f'.repeat(64)}${randomBytes(4).toString('hex')}`
  t.teardown(() => dropTemplate(adminUrl, key))
  const db = await createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare({ n: 0 }) })
  const rows = await query<{ datname: string }>(
    adminUrl,
    "SELECT datname FROM pg_database WHERE datname LIKE 'openline\\_tpl\\_long\\_key\\_%'",
  )
  t.ok(rows.some((row) => row.datname.length <= 63), 'template exists with a <= 63 char name')
  await db.drop()
})

t.test('dropStaleTestDatabases drops only old test databases', async (t) => {
  const key = freshKey('dbstale')
  t.teardown(() => dropTemplate(adminUrl, key))
  const fresh = await createTestDatabase({ adminUrl, templateKey: key, prepare: tablePrepare({ n: 0 }) })
  t.teardown(() => fresh.drop())
  const stale = `openline_test_1000000000_${randomBytes(4).toString('hex')}`
  await query(adminUrl, `CREATE DATABASE ${stale}`)
  const dropped = await dropStaleTestDatabases(adminUrl, 60 * 60 * 1000)
  t.ok(dropped.includes(stale), 'stale database reported')
  t.notOk(await databaseExists(stale), 'stale database dropped')
  t.ok(await databaseExists(fresh.name), 'fresh database kept')
})
