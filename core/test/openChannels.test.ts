import t from 'tap'
import { Type, definePlugin, subscribe, coreEvents, veto } from '@openline/sdk'
import { buildTestApp } from '@openline/testing'
import type { TestApp } from '@openline/testing'

// A1, A4, A5, A6: open channels through the agent API, against a real database.

const saves: { group: string, values: Record<string, unknown>, userId: string | null }[] = []
const changes: { openChannelId: string, change: string }[] = []

const fixture = definePlugin({
  name: 'fixture-settings',
  version: '1.0.0',
  core: '^0.1.0',
  provides: {
    queueStrategies: [{
      id: 'fixture-evenly',
      title: 'Evenly (fixture)',
      settingsSchema: Type.Object({
        idleTimeoutSec: Type.Integer({ minimum: 5, default: 60 }),
        skipBusy: Type.Boolean({ default: false })
      }),
      offer: () => ({ agents: [], exclusive: true })
    }],
    settingsGroups: [{
      id: 'workingHours',
      title: 'Working hours',
      schema: Type.Object({
        timezone: Type.String({ minLength: 1, default: 'UTC' }),
        holidays: Type.Array(Type.String({ pattern: '^[0-9]{2}\\.[0-9]{2}$' }), { default: [] })
      }),
      validate: (values: { timezone: string }) => values.timezone === 'Mars/Olympus' ? [{ path: '/timezone', message: 'No such time zone' }] : []
    }]
  },
  hooks: {
    'openChannel.beforeSave': async ({ group, values, user }) => {
      if (values.timezone === 'Veto/Zone') throw veto('ZONE', 'This zone is refused by a hook')
      saves.push({ group, values: { ...values }, userId: user?.id ?? null })
    }
  },
  on: [subscribe(coreEvents.openChannelChanged, async (payload) => { changes.push(payload) })]
})

const CREATE = `mutation ($input: CreateOpenChannelInput!) { createOpenChannel(input: $input) { id name active language } }`
const CHANNEL = `query ($id: ID!) { openChannel(id: $id) { id name active language queueStrategy queueSettings settings } }`
const UPDATE = `mutation ($id: ID!, $group: String!, $values: JSON!) { updateOpenChannelSettings(id: $id, group: $group, values: $values) { id language queueStrategy queueSettings settings } }`
const DELETE = `mutation ($id: ID!, $confirm: String!) { deleteOpenChannel(id: $id, confirm: $confirm) }`

type Channel = { id: string, name: string, active: boolean, language: string, queueStrategy: string | null, queueSettings: Record<string, unknown>, settings: Record<string, any> }

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

async function createChannel (name: string, extra: Record<string, unknown> = {}): Promise<Channel> {
  const client = await admin()
  const res = await client.query<{ createOpenChannel: Channel }>(CREATE, { input: { name, ...extra } })
  if (res.errors !== undefined || res.data === undefined) throw new Error(`create failed: ${JSON.stringify(res.errors)}`)
  return res.data.createOpenChannel
}

function codes (res: { errors?: { extensions?: { code?: string } }[] }): (string | undefined)[] {
  return (res.errors ?? []).map(e => e.extensions?.code)
}

t.test('create, rename, activate, set language', async (t) => {
  const client = await admin()
  const created = await client.query<{ createOpenChannel: Channel }>(CREATE, { input: { name: '  Sales  ' } })
  t.notOk(created.errors, 'no errors')
  const channel = created.data!.createOpenChannel
  t.match(channel, { name: 'Sales', active: true, language: 'en' }, 'name trimmed, defaults applied')
  t.match(channel.id, /^[0-9]+$/)

  const renamed = await client.query<{ renameOpenChannel: Channel }>(`mutation ($id: ID!, $name: String!) { renameOpenChannel(id: $id, name: $name) { id name } }`, { id: channel.id, name: 'Sales EU' })
  t.equal(renamed.data?.renameOpenChannel.name, 'Sales EU')

  const off = await client.query<{ setOpenChannelActive: Channel }>(`mutation ($id: ID!) { setOpenChannelActive(id: $id, active: false) { active } }`, { id: channel.id })
  t.equal(off.data?.setOpenChannelActive.active, false)
  const [row] = await sql<{ active: boolean, name: string }>('select active, name from open_channels where id = ?', [channel.id])
  t.same(row, { active: false, name: 'Sales EU' }, 'stored')
  const on = await client.query<{ setOpenChannelActive: Channel }>(`mutation ($id: ID!) { setOpenChannelActive(id: $id, active: true) { active } }`, { id: channel.id })
  t.equal(on.data?.setOpenChannelActive.active, true)

  const lang = await client.query<{ setOpenChannelLanguage: Channel }>(`mutation ($id: ID!) { setOpenChannelLanguage(id: $id, language: "pt-BR") { language settings } }`, { id: channel.id })
  t.equal(lang.data?.setOpenChannelLanguage.language, 'pt-BR')
  t.equal(lang.data?.setOpenChannelLanguage.settings.other.language, 'pt-BR', 'the other group shows the language')

  const badLang = await client.query(`mutation ($id: ID!) { setOpenChannelLanguage(id: $id, language: "xx") { language } }`, { id: channel.id })
  t.same(codes(badLang), ['OL_VALIDATION'])
  t.equal(badLang.errors?.[0].extensions?.fields?.[0].path, '/language')

  const empty = await client.query(CREATE, { input: { name: '   ' } })
  t.same(codes(empty), ['OL_VALIDATION'])
  t.same(empty.errors?.[0].extensions?.fields?.map(f => f.path), ['/name'])
  const long = await client.query(CREATE, { input: { name: 'x'.repeat(101) } })
  t.same(codes(long), ['OL_VALIDATION'], 'names over 100 characters are refused')

  const withLang = await client.query<{ createOpenChannel: Channel }>(CREATE, { input: { name: 'Soporte', language: 'es', active: false } })
  t.match(withLang.data?.createOpenChannel, { language: 'es', active: false })

  const list = await client.query<{ openChannels: Channel[] }>('{ openChannels { id name } }')
  t.ok(list.data?.openChannels.some(c => c.id === channel.id && c.name === 'Sales EU'), 'listed')

  const missing = await client.query<{ openChannel: Channel | null }>(CHANNEL, { id: '999999' })
  t.equal(missing.data?.openChannel, null, 'unknown id reads as null')
  const renameMissing = await client.query(`mutation { renameOpenChannel(id: "999999", name: "x") { id } }`)
  t.same(codes(renameMissing), ['OL_NOT_FOUND'])

  // Events are dispatched after commit, by jobs: wait for them.
  for (let i = 0; i < 100 && !changes.some(c => c.openChannelId === channel.id && c.change === 'deactivated'); i++) await new Promise(resolve => setTimeout(resolve, 50))
  const mine = changes.filter(c => c.openChannelId === channel.id).map(c => c.change)
  t.ok(mine.includes('created') && mine.includes('deactivated') && mine.includes('activated') && mine.includes('updated'), `openChannel.changed emitted (${mine.join(', ')})`)
})

t.test('A4: the open-channel limit', async (t) => {
  const limited = await buildTestApp({ config: { openChannels: { limit: 2 } } })
  t.teardown(() => limited.close())
  const client = await limited.login(limited.admin.email, limited.admin.password)
  t.notOk((await client.query(CREATE, { input: { name: 'One' } })).errors)
  t.notOk((await client.query(CREATE, { input: { name: 'Two' } })).errors)
  const third = await client.query(CREATE, { input: { name: 'Three' } })
  t.same(codes(third), ['OL_LIMIT_REACHED'])
  const [{ count }] = await limited.core.orm.em.fork().execute('select count(*)::int as count from open_channels') as { count: number }[]
  t.equal(count, 2, 'nothing created beyond the limit')

  // Unlimited (0) in the main app: more than two are fine.
  for (const name of ['U1', 'U2', 'U3']) await createChannel(name)
  t.pass('no limit when 0')
})

t.test('A6: each settings group is validated and saved on its own', async (t) => {
  const client = await admin()
  const channel = await createChannel('Groups')

  const other = await client.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channel.id, group: 'other', values: { language: 'pl' } })
  t.notOk(other.errors, 'other saved')
  t.equal(other.data?.updateOpenChannelSettings.language, 'pl')

  // A bad queue value: field-level errors, and nothing else changes.
  const badQueue = await client.query(UPDATE, { id: channel.id, group: 'queue', values: { strategy: 'fixture-evenly', strategySettings: { idleTimeoutSec: 1, skipBusy: 'yes' } } })
  t.same(codes(badQueue), ['OL_VALIDATION'])
  const paths = (badQueue.errors?.[0].extensions?.fields ?? []).map(f => f.path).sort()
  t.same(paths, ['/strategySettings/idleTimeoutSec', '/strategySettings/skipBusy'], 'errors name the fields')
  const afterBad = (await client.query<{ openChannel: Channel }>(CHANNEL, { id: channel.id })).data!.openChannel
  t.equal(afterBad.language, 'pl', 'other untouched')
  t.equal(afterBad.queueStrategy, null, 'queue untouched')

  const wrongType = await client.query(UPDATE, { id: channel.id, group: 'queue', values: { strategy: 5 } })
  t.same(codes(wrongType), ['OL_VALIDATION'])
  t.same(wrongType.errors?.[0].extensions?.fields?.map(f => f.path), ['/strategy'])

  const unknownStrategy = await client.query(UPDATE, { id: channel.id, group: 'queue', values: { strategy: 'no-such-strategy', strategySettings: {} } })
  t.same(codes(unknownStrategy), ['OL_VALIDATION'])
  t.match(unknownStrategy.errors?.[0].extensions?.fields, [{ path: '/strategy', message: /no-such-strategy/ }])

  const unknownGroup = await client.query(UPDATE, { id: channel.id, group: 'noSuchGroup', values: {} })
  t.same(codes(unknownGroup), ['OL_VALIDATION'])
  t.same(unknownGroup.errors?.[0].extensions?.fields?.map(f => f.path), ['/group'])

  // A good queue value: defaults filled, unknown keys dropped.
  const goodQueue = await client.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channel.id, group: 'queue', values: { strategy: 'fixture-evenly', strategySettings: { idleTimeoutSec: 30, junk: true } } })
  t.notOk(goodQueue.errors, 'queue saved')
  t.equal(goodQueue.data?.updateOpenChannelSettings.queueStrategy, 'fixture-evenly')
  t.same(goodQueue.data?.updateOpenChannelSettings.queueSettings, { idleTimeoutSec: 30, skipBusy: false })
  t.equal(goodQueue.data?.updateOpenChannelSettings.language, 'pl', 'other still untouched')
  const [row] = await sql<{ queue_strategy: string, queue_settings: unknown, language: string }>('select queue_strategy, queue_settings, language from open_channels where id = ?', [channel.id])
  t.same(row, { queue_strategy: 'fixture-evenly', queue_settings: { idleTimeoutSec: 30, skipBusy: false }, language: 'pl' }, 'stored in its columns')

  // A plugin group: defaults shown before it is saved; its own validate; stored under its key.
  t.same(goodQueue.data?.updateOpenChannelSettings.settings.workingHours, { timezone: 'UTC', holidays: [] }, 'plugin group defaults')
  const badHours = await client.query(UPDATE, { id: channel.id, group: 'workingHours', values: { timezone: 'Mars/Olympus' } })
  t.same(codes(badHours), ['OL_VALIDATION'])
  t.same(badHours.errors?.[0].extensions?.fields?.map(f => f.path), ['/timezone'], 'the group\'s own validate')
  const badHoliday = await client.query(UPDATE, { id: channel.id, group: 'workingHours', values: { timezone: 'UTC', holidays: ['31.12', 'Christmas'] } })
  t.same(badHoliday.errors?.[0].extensions?.fields?.map(f => f.path), ['/holidays/1'])

  const hours = await client.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channel.id, group: 'workingHours', values: { timezone: 'Europe/Warsaw', holidays: ['31.12'] } })
  t.notOk(hours.errors)
  t.same(hours.data?.updateOpenChannelSettings.settings.workingHours, { timezone: 'Europe/Warsaw', holidays: ['31.12'] })
  t.same(hours.data?.updateOpenChannelSettings.settings.queue, { strategy: 'fixture-evenly', strategySettings: { idleTimeoutSec: 30, skipBusy: false }, members: [], limit: { enabled: false, maxConversations: 5, exclude: [] }, checkAvailability: true, timeTracking: false, agentDisplay: { mode: 'profile' } }, 'queue untouched by another group')
  const [stored] = await sql<{ settings: Record<string, unknown> }>('select settings from open_channels where id = ?', [channel.id])
  t.same(stored.settings.workingHours, { timezone: 'Europe/Warsaw', holidays: ['31.12'] }, 'plugin group stored under its key')

  // The hook ran with the validated values and the acting user.
  t.match(saves.filter(s => s.group === 'workingHours').at(-1), { values: { timezone: 'Europe/Warsaw' }, userId: testApp.admin.id })
  t.notOk(saves.some(s => s.group === 'queue' && (s.values.strategySettings as any)?.idleTimeoutSec === 1), 'hook never saw the invalid value')

  // A hook veto cancels the save.
  const vetoed = await client.query(UPDATE, { id: channel.id, group: 'workingHours', values: { timezone: 'Veto/Zone' } })
  t.same(codes(vetoed), ['OL_VETO_ZONE'])
  const [afterVeto] = await sql<{ settings: Record<string, any> }>('select settings from open_channels where id = ?', [channel.id])
  t.equal(afterVeto.settings.workingHours.timezone, 'Europe/Warsaw', 'nothing written after a veto')

  // Clearing the strategy clears its settings.
  const cleared = await client.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channel.id, group: 'queue', values: { strategy: null } })
  t.equal(cleared.data?.updateOpenChannelSettings.queueStrategy, null)
  t.same(cleared.data?.updateOpenChannelSettings.queueSettings, {})

  const groups = await client.query<{ settingsGroups: { id: string, schema: any, choices: { id: string }[] }[] }>('{ settingsGroups { id title schema choices { id title settingsSchema } } }')
  const ids = groups.data?.settingsGroups.map(g => g.id) ?? []
  t.ok(['queue', 'chatbots', 'crmForm', 'other', 'workingHours'].every(id => ids.includes(id)), `groups listed (${ids.join(', ')})`)
  t.same(groups.data?.settingsGroups.find(g => g.id === 'queue')?.choices.map(c => c.id), ['fixture-evenly'])
})

t.test('A1: delete needs the exact name and removes the conversations', async (t) => {
  const client = await admin()
  const doomed = await createChannel('Doomed')
  const kept = await createChannel('Kept')

  async function seedConversation (openChannelId: string, account: string): Promise<string> {
    const [connection] = await sql<{ id: string }>("insert into channel_connections (open_channel_id, connector, external_account_id) values (?, 'sql-fixture', ?) returning id", [openChannelId, account])
    const [client] = await sql<{ id: string }>("insert into clients (name) values ('Client') returning id")
    const [identity] = await sql<{ id: string }>("insert into client_identities (client_id, connection_id, external_user_id) values (?, ?, 'u1') returning id", [client.id, connection.id])
    const [conversation] = await sql<{ id: string }>('insert into conversations (open_channel_id, connection_id, client_id, client_identity_id) values (?, ?, ?, ?) returning id', [openChannelId, connection.id, client.id, identity.id])
    await sql("insert into messages (conversation_id, connection_id, external_id, author_kind, body) values (?, ?, 'm1', 'client', 'hello')", [conversation.id, connection.id])
    await sql("insert into timers (job, key, due_at, conversation_id) values ('x', ?, now() + interval '1 hour', ?)", [`oc-test:${conversation.id}`, conversation.id])
    return conversation.id
  }
  const doomedConversation = await seedConversation(doomed.id, `doomed-${doomed.id}`)
  const keptConversation = await seedConversation(kept.id, `kept-${kept.id}`)

  const wrong = await client.query(DELETE, { id: doomed.id, confirm: 'doomed' })
  t.same(codes(wrong), ['OL_CONFIRMATION_REQUIRED'], 'case matters')
  const none = await client.query(DELETE, { id: doomed.id, confirm: '' })
  t.same(codes(none), ['OL_CONFIRMATION_REQUIRED'])
  t.equal((await sql('select id from conversations where id = ?', [doomedConversation])).length, 1, 'nothing deleted without confirmation')

  const ok = await client.query<{ deleteOpenChannel: boolean }>(DELETE, { id: doomed.id, confirm: 'Doomed' })
  t.notOk(ok.errors)
  t.equal(ok.data?.deleteOpenChannel, true)
  t.equal((await sql('select id from open_channels where id = ?', [doomed.id])).length, 0, 'channel gone')
  t.equal((await sql('select id from conversations where open_channel_id = ?', [doomed.id])).length, 0, 'conversations gone')
  t.equal((await sql('select id from messages where conversation_id = ?', [doomedConversation])).length, 0, 'messages gone')
  t.equal((await sql('select id from channel_connections where open_channel_id = ?', [doomed.id])).length, 0, 'connections gone')
  t.equal((await sql('select id from timers where conversation_id = ? and cancelled_at is null', [doomedConversation])).length, 0, 'pending timers cancelled')
  t.equal((await sql('select id from conversations where id = ?', [keptConversation])).length, 1, 'another channel keeps its conversation')
  t.equal((await sql('select id from timers where conversation_id = ? and cancelled_at is null', [keptConversation])).length, 1, 'and its timers')

  const again = await client.query(DELETE, { id: doomed.id, confirm: 'Doomed' })
  t.same(codes(again), ['OL_NOT_FOUND'])
})

t.test('permissions: reading needs a user, writing needs manageOpenChannels', async (t) => {
  const channel = await createChannel('Guarded')
  const agent = await testApp.createAgent({ role: 'agent' })
  const read = await agent.query<{ openChannels: Channel[] }>('{ openChannels { id name settings } }')
  t.notOk(read.errors, 'agents may read')
  t.ok(read.data?.openChannels.some(c => c.id === channel.id))

  t.same(codes(await agent.query(CREATE, { input: { name: 'Nope' } })), ['OL_FORBIDDEN'])
  t.same(codes(await agent.query(UPDATE, { id: channel.id, group: 'other', values: { language: 'ru' } })), ['OL_FORBIDDEN'])
  t.same(codes(await agent.query(DELETE, { id: channel.id, confirm: 'Guarded' })), ['OL_FORBIDDEN'])
  t.same(codes(await agent.query(`mutation ($id: ID!) { setOpenChannelActive(id: $id, active: false) { id } }`, { id: channel.id })), ['OL_FORBIDDEN'])
  const [row] = await sql<{ language: string, active: boolean }>('select language, active from open_channels where id = ?', [channel.id])
  t.same(row, { language: 'en', active: true }, 'nothing changed')

  const anonymous = testApp.agent()
  t.same(codes(await anonymous.query('{ openChannels { id } }')), ['OL_UNAUTHENTICATED'])
})
