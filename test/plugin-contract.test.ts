import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { buildApp, loadConfig } from '@openline/core'
import { buildTestApp, testConnectorPlugin, sign, type TestApp, type AgentClient } from '@openline/testing'
// By relative path on purpose: the fixture is its own package, not a workspace.
import fixture from './fixtures/plugin-external/index.ts'

// Issue #2, point 8: a plugin that lives outside the workspace and depends only on the SDK adds a
// channel connector, a queue strategy, an event subscriber, a job, a webhook route, an options
// schema and GraphQL fields; the core loads it as an object and by module path.

const fixtureDir = fileURLToPath(new URL('./fixtures/plugin-external/', import.meta.url))
const fixtureModule = fileURLToPath(new URL('./fixtures/plugin-external/index.ts', import.meta.url))
const rootPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { workspaces: string[] }

async function waitFor<T> (what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function sql<Row = Record<string, any>> (h: TestApp, text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

t.test('the fixture imports nothing but @openline/sdk', async (t) => {
  const sources = readdirSync(fixtureDir).filter(f => /\.[cm]?[jt]sx?$/.test(f))
  t.ok(sources.includes('index.ts'))
  for (const file of sources) {
    const text = readFileSync(fixtureDir + file, 'utf8')
    // TypeScript's own scanner: static, type-only, re-exports, dynamic import() and require().
    const specifiers = ts.preProcessFile(text, true, true).importedFiles.map(f => f.fileName)
    t.ok(specifiers.length > 0, `${file} imports something`)
    t.same([...new Set(specifiers)], ['@openline/sdk'], `${file} imports only the SDK`)
  }
  const pkg = JSON.parse(readFileSync(fixtureDir + 'package.json', 'utf8'))
  t.equal(pkg.name, 'openline-plugin-fixture-external')
  t.equal(pkg.type, 'module')
  t.same(Object.keys(pkg.dependencies ?? {}), ['@openline/sdk'])
  for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies']) t.equal(pkg[key], undefined, `no ${key}`)
  // Not a workspace: npm workspaces are core, packages/* and plugins/*.
  t.notOk(rootPackage.workspaces.some(w => w.startsWith('test')), 'the fixture is not an npm workspace')
})

t.test('loaded as an object', async (t) => {
  const h = await buildTestApp({ plugins: [testConnectorPlugin, { definition: fixture, options: { greeting: 'Hi' } }] })
  t.teardown(() => h.close())
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query('mutation { createOpenChannel(input: { name: "External" }) { id } }')
  t.equal(oc.errors, undefined, JSON.stringify(oc.errors))
  const openChannelId: string = oc.data.createOpenChannel.id

  t.test('its GraphQL fields answer, with its options', async (t) => {
    const res = await admin.query('query ($n: String!) { externalFixtureHello(name: $n) }', { n: 'Ana' })
    t.same(res, { data: { externalFixtureHello: 'Hi, Ana!' } })
    // Its resolvers get the agent context of the SDK: anonymous callers are refused.
    const anonymous = await h.agent().query('{ externalFixtureReceived { messageId } }')
    t.equal(anonymous.errors?.[0]?.extensions?.code, 'OL_UNAUTHENTICATED')
    // Its migration ran: the table exists and is empty.
    const rows = await admin.query('{ externalFixtureReceived { messageId } }')
    t.same(rows, { data: { externalFixtureReceived: [] } })
  })

  t.test('its queue strategy is chosen and validated through the queue settings group', async (t) => {
    const groups = await admin.query('{ settingsGroups { id choices { id title settingsSchema } } }')
    const queue = groups.data.settingsGroups.find((g: any) => g.id === 'queue')
    const choice = queue.choices.find((c: any) => c.id === 'external-first')
    t.ok(choice, 'external-first is a queue choice')
    t.same(Object.keys(choice.settingsSchema.properties).sort(), ['fanOut', 'mode'])

    const UPDATE = 'mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { queueStrategy queueSettings settings } }'
    const ok = await admin.query(UPDATE, { id: openChannelId, v: { strategy: 'external-first', strategySettings: { fanOut: 2 } } })
    t.equal(ok.errors, undefined, JSON.stringify(ok.errors))
    t.equal(ok.data.updateOpenChannelSettings.queueStrategy, 'external-first')
    t.same(ok.data.updateOpenChannelSettings.settings.queue, { strategy: 'external-first', strategySettings: { fanOut: 2, mode: 'exclusive' }, members: [], limit: { enabled: false, maxConversations: 5, exclude: [] }, checkAvailability: true, timeTracking: false, agentDisplay: { mode: 'profile' } }, 'defaults of the strategy schema (and the core routing part) filled in')

    const bad = await admin.query(UPDATE, { id: openChannelId, v: { strategy: 'external-first', strategySettings: { fanOut: 99, mode: 'loud' } } })
    t.equal(bad.data ?? null, null)
    t.equal(bad.errors?.[0]?.extensions?.code, 'OL_VALIDATION')
    const paths = (bad.errors?.[0]?.extensions?.fields ?? []).map(f => f.path).sort()
    t.same(paths, ['/strategySettings/fanOut', '/strategySettings/mode'])

    const unknown = await admin.query(UPDATE, { id: openChannelId, v: { strategy: 'external-last', strategySettings: {} } })
    t.same(unknown.errors?.[0]?.extensions?.fields?.map(f => f.path), ['/strategy'])

    const stored = await admin.query('query ($id: ID!) { openChannel(id: $id) { queueStrategy queueSettings } }', { id: openChannelId })
    t.same(stored.data.openChannel, { queueStrategy: 'external-first', queueSettings: { fanOut: 2, mode: 'exclusive' } }, 'refused updates changed nothing')
  })

  t.test('its connector connects, takes webhooks under its own prefix, and delivers replies', async (t) => {
    const connectors = await admin.query('{ connectors { id secretFields } }')
    t.same(connectors.data.connectors.find((c: any) => c.id === 'external-echo'), { id: 'external-echo', secretFields: ['token'] })

    const conn = await admin.query('mutation ($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId status settings hasSecrets } }', {
      i: { openChannelId, connector: 'external-echo', settings: { token: 'echo-secret-1', account: 'acme' } }
    })
    t.equal(conn.errors, undefined, JSON.stringify(conn.errors))
    const connection = conn.data.connectChannel
    t.equal(connection.externalAccountId, 'echo:acme', 'connect() named the account')
    t.equal(connection.status, 'connected')
    t.equal(connection.hasSecrets, true)
    t.same(connection.settings, { account: 'acme', registeredWebhook: `${h.url}/plugins/fixture-external/webhook/${connection.id}` }, 'secret kept out, settings from connect() stored')

    const hook = (body: unknown, token = 'echo-secret-1'): Promise<Response> => fetch(`${h.url}/plugins/fixture-external/webhook/${connection.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-echo-token': token }, body: JSON.stringify(body)
    })
    t.equal((await hook({ from: 'client-7', id: 'e1', text: 'hello' }, 'wrong-token')).status, 401)
    // Routes are encapsulated under /plugins/<name>/.
    t.equal((await fetch(`${h.url}/webhook/${connection.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404)
    const res = await hook({ from: 'client-7', id: 'e1', text: 'hello from echo' })
    t.equal(res.status, 200)
    const inbound = await res.json() as { messageId: string, conversationId: string, duplicate: boolean }
    t.equal(inbound.duplicate, false)

    // The event subscriber saw the message (read back through the fixture's own GraphQL field).
    const seen = await waitFor('the subscriber row', async () => {
      const r = await admin.query('{ externalFixtureReceived { messageId conversationId } }')
      return r.data.externalFixtureReceived.find((m: any) => m.messageId === inbound.messageId)
    })
    t.equal(seen.conversationId, inbound.conversationId)

    // An agent's reply goes out through the fixture's connector.send.
    const reply = await admin.query('mutation ($c: ID!) { sendMessage(conversationId: $c, body: "echo reply") { id } }', { c: inbound.conversationId })
    t.equal(reply.errors, undefined, JSON.stringify(reply.errors))
    const messageId: string = reply.data.sendMessage.id
    const [sent] = await waitFor('the delivery', async () => {
      const rows = await sql(h, 'select idempotency_key, external_user_id, body, connection_id::text from fixture_external_sent where body = ?', ['echo reply'])
      return rows.length > 0 ? rows : undefined
    })
    t.match(sent, { external_user_id: 'client-7', connection_id: connection.id, idempotency_key: /^outbox-\d+$/ })
    const message = await waitFor('the sent status', async () => {
      const [row] = await sql(h, 'select delivery_status, external_id from messages where id = ?', [messageId])
      return row?.delivery_status === 'sent' ? row : undefined
    })
    t.equal(message.external_id, `echo-${sent.idempotency_key}`, 'the id the connector returned is stored')
  })

  t.test('its subscriber runs after an ingest through another plugin\'s connector', async (t) => {
    const secret = 'test-secret-abc'
    const conn = await admin.query('mutation ($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
      i: { openChannelId, connector: 'test', externalAccountId: 'bot-ext', settings: { secret, apiBaseUrl: 'http://127.0.0.1:9' } }
    })
    t.equal(conn.errors, undefined, JSON.stringify(conn.errors))
    const raw = JSON.stringify({ userId: 'u-ext', messageId: 'tm-1', text: 'via the test connector' })
    const res = await fetch(`${h.url}/plugins/test-connector/webhook/${conn.data.connectChannel.id}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw
    })
    t.equal(res.status, 200)
    const inbound = await res.json() as { messageId: string }
    const [row] = await waitFor('the subscriber row', async () => {
      const rows = await sql(h, 'select connection_id::text from fixture_external_received where message_id = ?', [inbound.messageId])
      return rows.length > 0 ? rows : undefined
    })
    t.equal(row.connection_id, conn.data.connectChannel.id)
  })

  t.test('its jobs run', async (t) => {
    const res = await fetch(`${h.url}/plugins/fixture-external/jobs/record`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'job ran' }) })
    t.equal(res.status, 200)
    const rows = await waitFor('the job row', async () => {
      const r = await sql(h, 'select note from fixture_external_jobs')
      return r.length > 0 ? r : undefined
    })
    t.same(rows, [{ note: 'job ran' }])
  })
})

t.test('loaded by module path from config.plugins', async (t) => {
  const h = await buildTestApp({ plugins: [testConnectorPlugin], config: { plugins: [{ module: fixtureModule, options: { greeting: 'Olá' } }] } })
  t.teardown(() => h.close())
  const admin: AgentClient = await h.login(h.admin.email, h.admin.password)
  t.same(await admin.query('{ externalFixtureHello(name: "Bia") }'), { data: { externalFixtureHello: 'Olá, Bia!' } }, 'options from the config reach the plugin')
  const groups = await admin.query('{ settingsGroups { id choices { id } } }')
  t.ok(groups.data.settingsGroups.find((g: any) => g.id === 'queue').choices.some((c: any) => c.id === 'external-first'))
  const connectors = await admin.query('{ connectors { id } }')
  t.same(connectors.data.connectors.map((c: any) => c.id).sort(), ['external-echo', 'test'])

  const oc = await admin.query('mutation { createOpenChannel(input: { name: "By path" }) { id } }')
  const conn = await admin.query('mutation ($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'external-echo', settings: { token: 'echo-secret-2', account: 'by-path' } }
  })
  t.equal(conn.errors, undefined, JSON.stringify(conn.errors))
  const res = await fetch(`${h.url}/plugins/fixture-external/webhook/${conn.data.connectChannel.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-echo-token': 'echo-secret-2' }, body: JSON.stringify({ from: 'c1', id: 'p1', text: 'by path' })
  })
  t.equal(res.status, 200)
  const inbound = await res.json() as { messageId: string }
  await waitFor('the subscriber row', async () => (await sql(h, 'select 1 from fixture_external_received where message_id = ?', [inbound.messageId])).length > 0)
  t.pass('the subscriber of the module-path plugin ran')
})

t.test('a module-path plugin with bad options does not boot', async (t) => {
  // buildApp directly: plugins are checked before the database is touched (port 1: nothing listens).
  const boot = (plugins: { module: string, options?: Record<string, unknown> }[]): Promise<unknown> => buildApp(loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: { environment: 'test', databaseUrl: 'postgres://postgres@127.0.0.1:1/none', plugins }
  })).then(async (app) => { await app.close(); return app })
  await t.rejects(boot([{ module: fixtureModule, options: { greeting: '' } }]), { code: 'OL_PLUGIN_OPTIONS', message: /fixture-external.*\/greeting/ })
  await t.rejects(boot([{ module: fixtureDir + 'missing.ts' }]), { code: 'OL_PLUGIN_SHAPE', message: /missing\.ts/ })
  // The control: good options pass the plugin checks and fail only later, at the database.
  await t.rejects(boot([{ module: fixtureModule, options: { greeting: 'Hey' } }]), { code: 'OL_DATABASE_UNREACHABLE' })
})
