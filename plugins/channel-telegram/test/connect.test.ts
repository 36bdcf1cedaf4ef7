// Connecting a bot: getMe names the account, setWebhook registers our URL with a generated secret
// token (sealed, never shown) and the update types we handle; disconnecting deletes the webhook.
import t from 'tap'
import { buildTestApp, type TestApp } from '@openline/testing'
import { telegramPlugin } from '../src/index.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, sql } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram

t.before(async () => {
  fake = await startFakeTelegram()
  h = await buildTestApp({ plugins: [telegramPlugin] })
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

t.test('connect: getMe names the account, setWebhook gets our URL and a secret token', async (t) => {
  const { admin, connectionId, externalAccountId, openChannelId } = await connectBot(h, fake)
  t.equal(externalAccountId, String(fake.bot.id), 'the account id is the bot id from getMe')
  t.equal(fake.calls('getMe').length, 1)
  const hook = fake.webhook()
  t.ok(hook !== null)
  t.equal(hook?.url, `${h.config.publicUrl.replace(/\/+$/, '')}/plugins/channel-telegram/webhook/${connectionId}`)
  t.match(hook?.secret_token, /^[A-Za-z0-9_-]{40,}$/, 'a generated secret token')
  t.same(hook?.allowed_updates, ['message', 'edited_message', 'callback_query'])

  const listed = await admin.query<any>('query($id: ID!) { openChannel(id: $id) { connections { id externalAccountId settings } } }', { id: openChannelId })
  const settings = listed.data?.openChannel?.connections?.[0]?.settings
  t.equal(listed.errors, undefined, JSON.stringify(listed.errors))
  t.notOk('token' in (settings ?? {}), 'the token is not readable through the API')
  t.notOk('webhookSecret' in (settings ?? {}), 'nor the webhook secret')
  t.equal(settings?.botUsername, fake.bot.username)
  t.equal(settings?.apiBaseUrl, fake.url)
  const [row] = await sql(h, 'select settings, secrets from channel_connections where id = ?', [connectionId])
  t.notMatch(JSON.stringify(row), fake.token, 'the token is stored sealed')
  t.notMatch(JSON.stringify(row), String(hook?.secret_token), 'the secret token is stored sealed')

  // The registered secret is what the webhook accepts.
  const res = await deliver(h, fake, connectionId, messageUpdate(7001, { text: 'hello' }))
  t.equal(res.status, 200)
  t.equal(res.body.duplicate, false)

  // Re-connecting keeps the secret (updates in flight still verify) and registers the same URL.
  const again = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector: 'telegram', externalAccountId, settings: { token: fake.token, apiBaseUrl: fake.url } }
  })
  t.equal(again.errors, undefined, JSON.stringify(again.errors))
  t.equal(again.data.connectChannel.id, connectionId)
  t.equal(fake.webhook()?.secret_token, hook?.secret_token)

  // Disconnect: deleteWebhook, and the webhook stops taking updates.
  const off = await admin.query<any>('mutation($id: ID!) { disconnectChannel(id: $id) { id status } }', { id: connectionId })
  t.equal(off.errors, undefined, JSON.stringify(off.errors))
  t.equal(fake.calls('deleteWebhook').length, 1)
  t.equal(fake.webhook(), null)
  await new Promise(resolve => setTimeout(resolve, 2100)) // the plugin's connection cache
  const late = await deliver(h, fake, connectionId, messageUpdate(7001, { text: 'after disconnect' }), { secret: hook?.secret_token })
  t.equal(late.status, 410)
  const [n] = await sql(h, "select count(*)::int as n from messages where body = 'after disconnect'")
  t.equal(n.n, 0)
})

t.test('a token the Bot API refuses: the connect fails and nothing is stored', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "Bad token" }) { id } }')
  const before = await sql(h, 'select count(*)::int as n from channel_connections')
  const res = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'telegram', settings: { token: '999999:WRONG-token_abcdefghijklmnopqrstu', apiBaseUrl: fake.url } }
  })
  t.equal(res.errors?.[0]?.extensions?.code, 'OL_CONNECT_FAILED')
  t.match(res.errors?.[0]?.message, /Unauthorized/)
  const after = await sql(h, 'select count(*)::int as n from channel_connections')
  t.equal(after[0].n, before[0].n)
})

t.test('settings are validated: token format, API base URL', async (t) => {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation { createOpenChannel(input: { name: "Bad settings" }) { id } }')
  const res = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }', {
    i: { openChannelId: oc.data.createOpenChannel.id, connector: 'telegram', settings: { token: 'not a token', apiBaseUrl: 'ftp://x' } }
  })
  t.equal(res.errors?.[0]?.extensions?.code, 'OL_VALIDATION')
  const paths = (res.errors?.[0]?.extensions?.fields ?? []).map((f: { path: string }) => f.path)
  t.ok(paths.includes('/settings/token'), JSON.stringify(paths))
  t.ok(paths.includes('/settings/apiBaseUrl'), JSON.stringify(paths))
})
