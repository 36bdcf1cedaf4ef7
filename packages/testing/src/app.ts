import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp, loadConfig, openOrm, migrate, auth, type Config, type ConfigInput, type Core, type PluginEntry } from '@openline/core'
import type { PluginDefinition } from '@openline/sdk'
import { createTestDatabase, type TestDatabase } from './database.ts'
import { redisPrefix, clearRedisPrefix } from './redis.ts'
import { agentClient, type AgentClient } from './clients.ts'

export interface TestApp {
  app: FastifyInstance
  core: Core
  config: Config
  url: string
  database: TestDatabase
  admin: { id: string, email: string, password: string }
  /** A client with the given token (none: anonymous). */
  agent: (token?: string | null) => AgentClient
  login: (email: string, password: string) => Promise<AgentClient>
  /** Create a user with a role and return a signed-in client for them. */
  createAgent: (input?: { role?: string, name?: string, email?: string }) => Promise<AgentClient & { id: string, email: string, password: string }>
  /** Restart the app on the same database and Redis prefix (crash/restart tests). */
  restart: (options?: { plugins?: (PluginDefinition<any> | PluginEntry)[] }) => Promise<void>
  close: () => Promise<void>
}

export interface TestAppOptions {
  plugins?: (PluginDefinition<any> | PluginEntry)[]
  config?: ConfigInput
  /** Reuse an existing database instead of cloning a fresh one (second instance in multi-instance tests). */
  database?: TestDatabase
  redisPrefix?: string
}

const adminUrl = process.env.OPENLINE_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const migrationsDir = new URL('../../../core/migrations/', import.meta.url)

function normalize (plugins: (PluginDefinition<any> | PluginEntry)[] = []): PluginEntry[] {
  return plugins.map(p => ('definition' in p ? p : { definition: p }))
}

/** Templates are keyed by the migrations' content, so a changed migration gets a fresh template. */
function templateKey (plugins: PluginEntry[]): string {
  const hash = createHash('sha256')
  for (const file of readdirSync(migrationsDir).sort()) hash.update(file).update(readFileSync(new URL(file, migrationsDir)))
  for (const p of plugins) hash.update(JSON.stringify({ name: p.definition.name, migrations: p.definition.migrations ?? [] }))
  return hash.digest('hex').slice(0, 24)
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * Build the real app on its own database (cloned from a migrated template) and its own Redis
 * prefix, listening on a loopback port, with an admin user.
 */
export async function buildTestApp (options: TestAppOptions = {}): Promise<TestApp> {
  let plugins = normalize(options.plugins)
  const database = options.database ?? await createTestDatabase({
    adminUrl,
    templateKey: templateKey(plugins),
    prepare: async (url) => {
      const orm = await openOrm({ databaseUrl: url, pluginMigrations: plugins.map(p => ({ plugin: p.definition.name, migrations: p.definition.migrations ?? [] })) })
      try { await migrate(orm) } finally { await orm.close() }
    }
  })
  const prefix = options.redisPrefix ?? redisPrefix('app')
  const port = await freePort()
  const config = loadConfig({
    env: { ...process.env, NODE_ENV: 'test' },
    overrides: { environment: 'test', plugins: [], files: { directory: join(tmpdir(), `openline-files-${prefix.replace(/\W/g, '')}`), maxBytes: 25 * 1024 * 1024 }, port, host: '127.0.0.1', publicUrl: `http://127.0.0.1:${port}`, databaseUrl: database.url, redisPrefix: prefix, databasePoolMax: 10, ...options.config }
  })
  let app: FastifyInstance
  try {
    app = await buildApp(config, { plugins, migrate: true })
    await app.listen({ port, host: '127.0.0.1' })
  } catch (err) {
    // A boot that fails (tests of bad plugins) must not leave its database behind.
    if (options.database === undefined) await database.drop().catch(() => {})
    throw err
  }
  const url = `http://127.0.0.1:${port}`
  const clients: AgentClient[] = []
  const track = (c: AgentClient): AgentClient => { clients.push(c); return c }

  const admin = { email: `admin-${prefix.replace(/\W/g, '')}@openline.test`, password: 'admin-password-123', id: '' }
  const existing = await (app.core.orm.em.fork() as any).execute('select id::text from users where email = ?', [admin.email]) as { id: string }[]
  admin.id = existing[0]?.id ?? (await auth.createUser(app.core, { email: admin.email, name: 'Test Admin', password: admin.password, role: 'admin' })).id

  let counter = 0
  const testApp: TestApp = {
    get app () { return app },
    get core () { return app.core },
    config,
    url,
    database,
    admin,
    agent: (token = null) => track(agentClient(url, token)),
    async login (email, password) {
      const res = await agentClient(url, null).query<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: password })
      if (res.data?.login?.token === undefined) throw new Error(`login failed: ${JSON.stringify(res.errors)}`)
      return track(agentClient(url, res.data.login.token))
    },
    async createAgent (input = {}) {
      counter++
      const email = input.email ?? `agent${counter}-${prefix.replace(/\W/g, '')}@openline.test`
      const password = 'agent-password-123'
      const { id } = await auth.createUser(app.core, { email, name: input.name ?? `Agent ${counter}`, password, role: input.role ?? 'agent' })
      const client = await testApp.login(email, password)
      return Object.assign(client, { id, email, password })
    },
    async restart (restartOptions = {}) {
      if (restartOptions.plugins !== undefined) plugins = normalize(restartOptions.plugins)
      await Promise.allSettled(clients.splice(0).map(c => c.close()))
      await app.close()
      app = await buildApp(config, { plugins, migrate: true })
      await app.listen({ port, host: '127.0.0.1' })
    },
    async close () {
      await Promise.allSettled(clients.splice(0).map(c => c.close()))
      await app.close()
      if (options.database === undefined) await database.drop()
      if (options.redisPrefix === undefined) await clearRedisPrefix(config.redisUrl, prefix)
      if (options.database === undefined) await rm(config.files.directory, { recursive: true, force: true })
    }
  }
  return testApp
}
