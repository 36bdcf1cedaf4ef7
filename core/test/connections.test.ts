import t from 'tap'
import { Type, definePlugin } from '@openline/sdk'
import type { ChannelConnector } from '@openline/sdk'
import { buildTestApp } from '@openline/testing'
import type { TestApp } from '@openline/testing'
import { connectionSecrets } from '../src/openChannels/connections.ts'

// A2, A3 (deactivation keeps connections), secrets sealed and never returned.

const connectCalls: { settings: Record<string, unknown>, externalAccountId: string | null, webhookUrl: string, connectionId: string, pluginName: string }[] = []
const disconnectCalls: { settings: Record<string, unknown>, externalAccountId: string, connectionId: string }[] = []

const settingsSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  label: Type.Optional(Type.String()),
  fail: Type.Optional(Type.Boolean()),
  failDisconnect: Type.Optional(Type.Boolean()),
  /** Made up by the connector when absent, like Meta's webhook verify token. */
  hookToken: Type.Optional(Type.String())
})

const connector: ChannelConnector<typeof settingsSchema> = {
  id: 'fixture',
  title: 'Fixture channel',
  settingsSchema,
  secretFields: ['token', 'hookToken'],
  capabilities: { typing: false, edits: false, deletes: false, attachments: true, buttons: false },
  async connect (input, ctx) {
    connectCalls.push({ settings: { ...input.settings }, externalAccountId: input.externalAccountId, webhookUrl: input.webhookUrl, connectionId: input.connectionId, pluginName: ctx.pluginName })
    if (input.settings.fail === true) throw new Error('provider refused the token')
    // Like Telegram's getMe: the provider names the account when the admin did not.
    return {
      externalAccountId: input.externalAccountId ?? `bot-${input.settings.token.slice(0, 6)}`,
      ...(input.settings.label === 'generate' && input.settings.hookToken === undefined ? { settings: { hookToken: `hook-${input.connectionId}-made-up` } } : {})
    }
  },
  async disconnect (input) {
    disconnectCalls.push({ settings: { ...input.settings }, externalAccountId: input.externalAccountId, connectionId: input.connectionId })
    if (input.settings.failDisconnect === true) throw new Error('provider unreachable')
  },
  async send () { return {} }
}

const fixture = definePlugin({
  name: 'fixture-channel',
  version: '1.0.0',
  core: '^0.1.0',
  provides: { channels: [connector] }
})

const CREATE = `mutation ($name: String!) { createOpenChannel(input: { name: $name }) { id } }`
const CONNECT = `mutation ($input: ConnectChannelInput!) { connectChannel(input: $input) { id connector externalAccountId status settings hasSecrets openChannel { id name } } }`
const DISCONNECT = `mutation ($id: ID!) { disconnectChannel(id: $id) { id status } }`
const CONNECTIONS = `query ($id: ID!) { openChannel(id: $id) { id connections { id connector externalAccountId status settings hasSecrets } } }`

type Connection = { id: string, connector: string, externalAccountId: string, status: string, settings: Record<string, unknown>, hasSecrets: boolean, openChannel: { id: string, name: string } }

let testApp: TestApp
let adminClient: Awaited<ReturnType<TestApp['login']>>

t.before(async () => {
  testApp = await buildTestApp({ plugins: [fixture] })
  adminClient = await testApp.login(testApp.admin.email, testApp.admin.password)
})
t.teardown(() => testApp?.close())

async function admin () {
  return adminClient
}

async function sql<R = Record<string, any>> (query: string, params: unknown[] = []): Promise<R[]> {
  return testApp.core.orm.em.fork().execute(query, params) as Promise<R[]>
}

async function createChannel (name: string): Promise<string> {
  const res = await (await admin()).query<{ createOpenChannel: { id: string } }>(CREATE, { name })
  if (res.data === undefined) throw new Error(`create failed: ${JSON.stringify(res.errors)}`)
  return res.data.createOpenChannel.id
}

function codes (res: { errors?: { extensions?: { code?: string } }[] }): (string | undefined)[] {
  return (res.errors ?? []).map(e => e.extensions?.code)
}

t.test('connect: settings validated, secrets sealed and never returned', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Telegram A')

  const missingToken = await client.query(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-x', settings: { label: 'No token' } } })
  t.same(codes(missingToken), ['OL_VALIDATION'])
  t.same(missingToken.errors?.[0].extensions?.fields?.map(f => f.path), ['/settings/token'])

  const unknown = await client.query(CONNECT, { input: { openChannelId: channelId, connector: 'carrier-pigeon', settings: {} } })
  t.same(codes(unknown), ['OL_UNKNOWN_CONNECTOR'])

  const calls = connectCalls.length
  const res = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-1', settings: { token: 'tok-SECRET-123', label: 'Main bot' } } })
  t.notOk(res.errors, 'connected')
  const connection = res.data!.connectChannel
  t.match(connection, { connector: 'fixture', externalAccountId: 'acc-1', status: 'connected', hasSecrets: true, openChannel: { id: channelId } })
  t.same(connection.settings, { label: 'Main bot' }, 'secret field removed from settings')

  t.equal(connectCalls.length, calls + 1, 'connector.connect called once')
  const call = connectCalls.at(-1)!
  t.equal(call.settings.token, 'tok-SECRET-123', 'the connector gets the secret')
  t.equal(call.connectionId, connection.id)
  t.equal(call.pluginName, 'fixture-channel')
  t.equal(call.webhookUrl, `${testApp.core.config.publicUrl.replace(/\/+$/, '')}/plugins/fixture-channel/webhook/${connection.id}`)

  const [row] = await sql<{ secrets: string, settings: Record<string, unknown> }>('select secrets, settings from channel_connections where id = ?', [connection.id])
  t.match(row.secrets, /^v1\./, 'sealed, versioned')
  t.notOk(row.secrets.includes('tok-SECRET-123'), 'the column is not plaintext')
  t.notOk(JSON.stringify(row.settings).includes('tok-SECRET-123'), 'settings column has no secret')
  t.same(await connectionSecrets(testApp.core, connection.id), { token: 'tok-SECRET-123' }, 'the delivery worker can open it')

  const read = await client.query(CONNECTIONS, { id: channelId })
  t.notOk(read.errors)
  t.notOk(JSON.stringify(read).includes('tok-SECRET-123'), 'no secret anywhere in the API answer')
  const connectors = await client.query<{ connectors: { id: string, secretFields: string[], settingsSchema: any }[] }>('{ connectors { id title capabilities { attachments } settingsSchema secretFields } }')
  t.match(connectors.data?.connectors, [{ id: 'fixture', secretFields: ['token', 'hookToken'] }])
  t.ok(connectors.data?.connectors[0].settingsSchema.properties.token, 'schema readable')
})

t.test('the provider names the account when none is given', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Named by provider')
  const res = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', settings: { token: 'abcdef-123' } } })
  t.notOk(res.errors)
  t.equal(res.data?.connectChannel.externalAccountId, 'bot-abcdef')
  t.equal(connectCalls.at(-1)?.externalAccountId, null, 'connect got no account id')
  const rows = await sql("select id from channel_connections where connector = 'fixture' and external_account_id like 'pending:%'")
  t.equal(rows.length, 0, 'no placeholder left behind')

  // Same token again without an account id, to another channel: the existing row moves.
  const other = await createChannel('Named by provider 2')
  const again = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: other, connector: 'fixture', settings: { token: 'abcdef-123' } } })
  t.notOk(again.errors)
  t.equal(again.data?.connectChannel.id, res.data?.connectChannel.id, 'same connection row')
  t.equal(again.data?.connectChannel.openChannel.id, other)
  t.equal(connectCalls.at(-1)?.connectionId, res.data?.connectChannel.id, 'the webhook was registered again with the kept row id')
  t.equal((await sql("select id from channel_connections where external_account_id = 'bot-abcdef'")).length, 1)
})

t.test('A2: one account belongs to one open channel; re-connecting moves it', async (t) => {
  const client = await admin()
  const a = await createChannel('Move A')
  const b = await createChannel('Move B')
  const first = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: a, connector: 'fixture', externalAccountId: 'acc-move', settings: { token: 'tok-move' } } })
  t.notOk(first.errors)
  const moved = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: b, connector: 'fixture', externalAccountId: 'acc-move', settings: { token: 'tok-move-2', label: 'moved' } } })
  t.notOk(moved.errors)
  t.equal(moved.data?.connectChannel.id, first.data?.connectChannel.id, 'same connection')
  t.equal(moved.data?.connectChannel.openChannel.id, b, 'now in B')
  const rows = await sql<{ open_channel_id: string }>("select open_channel_id from channel_connections where connector = 'fixture' and external_account_id = 'acc-move'")
  t.same(rows.map(r => String(r.open_channel_id)), [b], 'exactly one row, in B')
  const inA = await client.query<{ openChannel: { connections: Connection[] } }>(CONNECTIONS, { id: a })
  t.same(inA.data?.openChannel.connections, [], 'A has no connection any more')
  t.same(await connectionSecrets(testApp.core, first.data!.connectChannel.id), { token: 'tok-move-2' }, 'secrets replaced')

  // A failing connect while moving leaves the account where it was.
  const failedMove = await client.query(CONNECT, { input: { openChannelId: a, connector: 'fixture', externalAccountId: 'acc-move', settings: { token: 'tok-move-3', fail: true } } })
  t.same(codes(failedMove), ['OL_CONNECT_FAILED'])
  const after = await sql<{ open_channel_id: string, settings: Record<string, unknown> }>("select open_channel_id, settings from channel_connections where external_account_id = 'acc-move'")
  t.same(after.map(r => String(r.open_channel_id)), [b], 'still in B')
  t.same(after[0].settings, { label: 'moved' }, 'settings unchanged')
  t.same(await connectionSecrets(testApp.core, first.data!.connectChannel.id), { token: 'tok-move-2' }, 'secrets unchanged')
})

t.test('a failing connect stores nothing', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Failing')
  const res = await client.query(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-fail', settings: { token: 'tok-fail', fail: true } } })
  t.same(codes(res), ['OL_CONNECT_FAILED'])
  t.match(res.errors?.[0].message, /provider refused the token/)
  t.equal((await sql("select id from channel_connections where external_account_id = 'acc-fail'")).length, 0, 'no row')
  t.equal((await sql('select id from channel_connections where open_channel_id = ?', [channelId])).length, 0, 'no row for the channel')
  const noId = await client.query(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', settings: { token: 'tok-fail-2', fail: true } } })
  t.same(codes(noId), ['OL_CONNECT_FAILED'])
  t.equal((await sql('select id from channel_connections where open_channel_id = ?', [channelId])).length, 0, 'no placeholder row either')
})

t.test('disconnect, reconnect; deactivating the channel does not disconnect (A3)', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Lifecycle')
  const res = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-life', settings: { token: 'tok-life' } } })
  const id = res.data!.connectChannel.id

  const off = await client.query(`mutation ($id: ID!) { setOpenChannelActive(id: $id, active: false) { active } }`, { id: channelId })
  t.notOk(off.errors)
  const [stillConnected] = await sql<{ status: string }>('select status from channel_connections where id = ?', [id])
  t.equal(stillConnected.status, 'connected', 'deactivation keeps the connection')

  const before = disconnectCalls.length
  const disconnected = await client.query<{ disconnectChannel: Connection }>(DISCONNECT, { id })
  t.notOk(disconnected.errors)
  t.equal(disconnected.data?.disconnectChannel.status, 'disconnected')
  t.equal(disconnectCalls.length, before + 1, 'connector.disconnect called')
  t.match(disconnectCalls.at(-1), { externalAccountId: 'acc-life', connectionId: id, settings: { token: 'tok-life' } })

  const twice = await client.query<{ disconnectChannel: Connection }>(DISCONNECT, { id })
  t.equal(twice.data?.disconnectChannel.status, 'disconnected', 'idempotent')
  t.equal(disconnectCalls.length, before + 1, 'provider not called again')

  const back = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-life', settings: { token: 'tok-life' } } })
  t.equal(back.data?.connectChannel.id, id, 'reconnect reuses the row')
  t.equal(back.data?.connectChannel.status, 'connected', 'reactivated')

  // A provider that fails on disconnect does not block it.
  const flaky = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-flaky', settings: { token: 'tok-flaky', failDisconnect: true } } })
  const flakyOff = await client.query<{ disconnectChannel: Connection }>(DISCONNECT, { id: flaky.data!.connectChannel.id })
  t.notOk(flakyOff.errors)
  t.equal(flakyOff.data?.disconnectChannel.status, 'disconnected', 'best effort')

  const missing = await client.query(DISCONNECT, { id: '999999' })
  t.same(codes(missing), ['OL_NOT_FOUND'])
})

t.test('deleting a channel disconnects its accounts at the provider first', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Delete me')
  const res = await client.query<{ connectChannel: Connection }>(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-del', settings: { token: 'tok-del' } } })
  const before = disconnectCalls.length
  const del = await client.query(`mutation ($id: ID!) { deleteOpenChannel(id: $id, confirm: "Delete me") }`, { id: channelId })
  t.notOk(del.errors)
  t.equal(disconnectCalls.length, before + 1)
  t.equal(disconnectCalls.at(-1)?.connectionId, res.data?.connectChannel.id)
  t.equal((await sql("select id from channel_connections where external_account_id = 'acc-del'")).length, 0)
})

t.test('connecting needs manageOpenChannels', async (t) => {
  const channelId = await createChannel('Guarded connections')
  const agent = await testApp.createAgent({ role: 'agent' })
  const res = await agent.query(CONNECT, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-agent', settings: { token: 'tok' } } })
  t.same(codes(res), ['OL_FORBIDDEN'])
  t.equal((await sql("select id from channel_connections where external_account_id = 'acc-agent'")).length, 0)
  const connectors = await agent.query<{ connectors: { id: string }[] }>('{ connectors { id secretFields } }')
  t.notOk(connectors.errors, 'agents may list connectors')
})

t.test('a secret the connector generated is shown once, in the connect answer only', async (t) => {
  const client = await admin()
  const channelId = await createChannel('Generated secret')
  const WITH_GENERATED = 'mutation ($input: ConnectChannelInput!) { connectChannel(input: $input) { id generatedSecrets } }'
  const res = await client.query(WITH_GENERATED, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-gen', settings: { token: 'tok-gen-1', label: 'generate' } } })
  t.notOk(res.errors)
  const id = res.data.connectChannel.id
  t.same(res.data.connectChannel.generatedSecrets, { hookToken: `hook-${id}-made-up` }, 'the admin sees the made-up token once')
  t.same(await connectionSecrets(testApp.core, id), { token: 'tok-gen-1', hookToken: `hook-${id}-made-up` }, 'kept sealed with the others')
  const later = await client.query('query ($id: ID!) { openChannel(id: $id) { connections { generatedSecrets } } }', { id: channelId })
  t.same(later.data.openChannel.connections, [{ generatedSecrets: null }], 'never again')
  const plain = await client.query(WITH_GENERATED, { input: { openChannelId: channelId, connector: 'fixture', externalAccountId: 'acc-plain', settings: { token: 'tok-gen-2' } } })
  t.equal(plain.data.connectChannel.generatedSecrets, null, 'nothing generated, nothing shown; the admin\'s own secrets are not echoed')
})
