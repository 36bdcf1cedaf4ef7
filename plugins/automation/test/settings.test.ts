import t from 'tap'
import { buildTestApp, type TestApp, type AgentClient, type GraphQLResponse } from '@openline/testing'
import automationPlugin, { consentOf, recordConsent, workingHoursDefaults } from '../src/index.ts'

const UPDATE = `mutation ($id: ID!, $group: String!, $values: JSON!) {
  updateOpenChannelSettings(id: $id, group: $group, values: $values) { id queueStrategy queueSettings settings }
}`
const STATUS = `query ($id: ID!, $at: DateTime) {
  workingHoursStatus(openChannelId: $id, at: $at) { enabled open nextOpening nextClosing timezone showWidget description }
}`
const CONSENTS = 'query ($id: ID!) { clientConsents(clientId: $id) { clientId openChannelId textVersion acceptedAt source } }'

type Channel = { id: string, queueStrategy: string | null, queueSettings: Record<string, unknown>, settings: Record<string, any> }

let h: TestApp
let admin: AgentClient
let channelId: string

async function sql<Row = Record<string, any>> (text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

function errorOf (res: GraphQLResponse<unknown>): { code?: string, paths: string[] } {
  const error = res.errors?.[0]
  return { code: error?.extensions?.code, paths: (error?.extensions?.fields ?? []).map(f => f.path) }
}

async function createChannel (name: string, language = 'en'): Promise<string> {
  const res = await admin.query<{ createOpenChannel: { id: string } }>('mutation ($i: CreateOpenChannelInput!) { createOpenChannel(input: $i) { id } }', { i: { name, language } })
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  return res.data!.createOpenChannel.id
}

t.before(async () => {
  h = await buildTestApp({ plugins: [automationPlugin] })
  admin = await h.login(h.admin.email, h.admin.password)
  channelId = await createChannel('Support')
})
t.teardown(() => h?.close())

t.test('the plugin\'s groups are listed with their schemas, defaults shown before saving', async (t) => {
  const res = await admin.query<{ settingsGroups: { id: string, title: string, schema: any }[] }>('{ settingsGroups { id title schema } }')
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  const ids = res.data!.settingsGroups.map(g => g.id)
  t.ok(ids.includes('workingHours') && ids.includes('consent'))
  const wh = res.data!.settingsGroups.find(g => g.id === 'workingHours')!
  t.equal(wh.title, 'Working hours')
  t.ok(wh.schema.properties.week.properties.mon, 'schema goes to the client')
  const channel = await admin.query<{ openChannel: Channel }>('query ($id: ID!) { openChannel(id: $id) { id settings } }', { id: channelId })
  t.same(channel.data!.openChannel.settings.workingHours, workingHoursDefaults)
  t.same(channel.data!.openChannel.settings.consent, { enabled: false, textVersion: '1', text: {}, askAt: 'firstContact' })
})

const goodHours = {
  enabled: true,
  timezone: 'Europe/Warsaw',
  week: {
    mon: [{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }],
    tue: [{ from: '09:00', to: '18:00' }],
    wed: [{ from: '09:00', to: '18:00' }],
    thu: [{ from: '09:00', to: '18:00' }],
    fri: [{ from: '09:00', to: '18:00' }],
    sat: [{ from: '10:00', to: '14:00' }],
    sun: []
  },
  daysOff: ['sun'],
  holidays: ['31.12', '01.01', '2026-04-06'],
  outOfHours: { reply: true, text: 'We are closed, {{client.name}}. Back {{workingHours}}.' },
  widgetOnlyDuringHours: true
}

t.test('saving working hours: valid values stored, invalid ones refused field by field', async (t) => {
  const before = (await sql<{ queue_strategy: string | null, queue_settings: unknown, settings: any }>('select queue_strategy, queue_settings, settings from open_channels where id = ?', [channelId]))[0]

  const saved = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channelId, group: 'workingHours', values: { ...goodHours, junk: 1 } })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  t.same(saved.data!.updateOpenChannelSettings.settings.workingHours, goodHours, 'unknown keys dropped')
  const [row] = await sql<{ settings: any }>('select settings from open_channels where id = ?', [channelId])
  t.same(row.settings.workingHours, goodHours, 'stored under its key')

  // A partial value replaces the group; missing fields take their defaults.
  const partial = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channelId, group: 'workingHours', values: { enabled: true, timezone: 'America/Sao_Paulo', week: { mon: [] } } })
  t.equal(partial.errors, undefined, JSON.stringify(partial.errors))
  t.same(partial.data!.updateOpenChannelSettings.settings.workingHours, { ...workingHoursDefaults, enabled: true, timezone: 'America/Sao_Paulo', week: { ...workingHoursDefaults.week, mon: [] } })

  const restored = await admin.query(UPDATE, { id: channelId, group: 'workingHours', values: goodHours })
  t.equal(restored.errors, undefined)

  const day = (intervals: { from: string, to: string }[]): Record<string, unknown> => ({ ...goodHours, week: { ...goodHours.week, mon: intervals } })
  const invalid: { name: string, values: Record<string, unknown>, paths: string[] }[] = [
    { name: 'unknown time zone', values: { ...goodHours, timezone: 'Mars/Olympus' }, paths: ['/timezone'] },
    { name: 'an offset instead of a zone', values: { ...goodHours, timezone: '+02:00' }, paths: ['/timezone'] },
    { name: 'impossible holiday 31.02', values: { ...goodHours, holidays: ['31.12', '31.02'] }, paths: ['/holidays/1'] },
    { name: '2026-02-29 does not exist', values: { ...goodHours, holidays: ['2026-02-29'] }, paths: ['/holidays/0'] },
    { name: 'malformed holiday', values: { ...goodHours, holidays: ['Christmas'] }, paths: ['/holidays/0'] },
    { name: 'duplicate holiday', values: { ...goodHours, holidays: ['31.12', '31.12'] }, paths: ['/holidays/1'] },
    { name: 'from after to', values: day([{ from: '18:00', to: '09:00' }]), paths: ['/week/mon/0/to'] },
    { name: 'overlapping intervals', values: day([{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }]), paths: ['/week/mon/1'] },
    { name: 'duplicate interval', values: day([{ from: '09:00', to: '13:00' }, { from: '09:00', to: '13:00' }]), paths: ['/week/mon/1'] },
    { name: 'malformed time', values: day([{ from: '9:00', to: '13:00' }]), paths: ['/week/mon/0/from'] },
    { name: '24:00 as a start', values: day([{ from: '24:00', to: '24:00' }]), paths: ['/week/mon/0/from'] },
    { name: 'unknown weekday', values: { ...goodHours, daysOff: ['funday'] }, paths: ['/daysOff/0'] },
    { name: 'duplicate day off', values: { ...goodHours, daysOff: ['sun', 'sun'] }, paths: ['/daysOff/1'] },
    { name: 'reply text too long', values: { ...goodHours, outOfHours: { reply: true, text: 'x'.repeat(2001) } }, paths: ['/outOfHours/text'] },
    { name: 'blank reply text', values: { ...goodHours, outOfHours: { reply: true, text: '  ' } }, paths: ['/outOfHours/text'] },
    { name: 'wrong type', values: { ...goodHours, enabled: 'yes' }, paths: ['/enabled'] }
  ]
  for (const c of invalid) {
    const res = await admin.query(UPDATE, { id: channelId, group: 'workingHours', values: c.values })
    t.same(errorOf(res), { code: 'OL_VALIDATION', paths: c.paths }, c.name)
  }

  const [after] = await sql<{ queue_strategy: string | null, queue_settings: unknown, settings: any }>('select queue_strategy, queue_settings, settings from open_channels where id = ?', [channelId])
  t.same(after.settings.workingHours, goodHours, 'refused values changed nothing')
  t.equal(after.queue_strategy, before.queue_strategy, 'queue group untouched')
  t.same(after.queue_settings, before.queue_settings)
  t.same(after.settings.queue, before.settings.queue)
})

t.test('saving consent settings', async (t) => {
  const values = { enabled: true, textVersion: '2026-03', text: { en: 'We store your messages. OK?', 'pt-BR': 'Guardamos suas mensagens. OK?' }, askAt: 'everyConversation' }
  const saved = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id: channelId, group: 'consent', values })
  t.equal(saved.errors, undefined, JSON.stringify(saved.errors))
  t.same(saved.data!.updateOpenChannelSettings.settings.consent, values)
  t.same(saved.data!.updateOpenChannelSettings.settings.workingHours, goodHours, 'the other plugin group untouched')
  const invalid: { name: string, values: Record<string, unknown>, paths: string[] }[] = [
    { name: 'empty version', values: { ...values, textVersion: '' }, paths: ['/textVersion'] },
    { name: 'long version', values: { ...values, textVersion: 'v'.repeat(51) }, paths: ['/textVersion'] },
    { name: 'blank version', values: { ...values, textVersion: '   ' }, paths: ['/textVersion'] },
    { name: 'unknown askAt', values: { ...values, askAt: 'never' }, paths: ['/askAt'] },
    { name: 'blank text', values: { ...values, text: { en: 'ok', ru: ' ' } }, paths: ['/text/ru'] },
    { name: 'text too long', values: { ...values, text: { es: 'x'.repeat(4001) } }, paths: ['/text/es'] }
  ]
  for (const c of invalid) t.same(errorOf(await admin.query(UPDATE, { id: channelId, group: 'consent', values: c.values })), { code: 'OL_VALIDATION', paths: c.paths }, c.name)
})

t.test('workingHoursStatus at a fixed instant', async (t) => {
  const status = async (at?: string, id = channelId): Promise<any> => {
    const res = await admin.query<{ workingHoursStatus: unknown }>(STATUS, { id, at })
    t.equal(res.errors, undefined, JSON.stringify(res.errors))
    return res.data!.workingHoursStatus
  }
  // Friday 27.03.2026 18:30 CET: closed; Saturday opens 10:00 CET (09:00 UTC).
  t.same(await status('2026-03-27T17:30:00Z'), {
    enabled: true, open: false, nextOpening: '2026-03-28T09:00:00.000Z', nextClosing: '2026-03-28T13:00:00.000Z',
    timezone: 'Europe/Warsaw', showWidget: false, description: 'Mon 09:00–13:00, 14:00–18:00; Tue–Fri 09:00–18:00; Sat 10:00–14:00'
  })
  // Saturday 28.03 evening → Sunday off (and the DST change) → Monday 30.03 09:00 CEST.
  t.match(await status('2026-03-28T15:00:00Z'), { open: false, nextOpening: '2026-03-30T07:00:00.000Z', nextClosing: '2026-03-30T11:00:00.000Z' })
  // Monday 30.03 10:00 CEST: open until the lunch break.
  t.match(await status('2026-03-30T08:00:00Z'), { open: true, nextOpening: null, nextClosing: '2026-03-30T11:00:00.000Z', showWidget: true })
  // Monday 06.04.2026 is a dated holiday: Tuesday 07.04 09:00 CEST.
  t.match(await status('2026-04-03T17:00:00Z'), { open: false, nextOpening: '2026-04-04T08:00:00.000Z' })
  t.match(await status('2026-04-04T13:00:00Z'), { open: false, nextOpening: '2026-04-07T07:00:00.000Z' })
  const now = await status()
  t.equal(typeof now.open, 'boolean', 'without `at`: now')

  // A channel that never saved the group: working hours off, always open, the widget shows.
  const other = await createChannel('Sales', 'ru')
  t.same(await status('2026-03-28T15:00:00Z', other), { enabled: false, open: true, nextOpening: null, nextClosing: null, timezone: null, showWidget: true, description: '' })
  await admin.query(UPDATE, { id: other, group: 'workingHours', values: { enabled: true, timezone: 'Europe/Moscow' } })
  t.match(await status('2026-03-28T15:00:00Z', other), { enabled: true, open: false, timezone: 'Europe/Moscow', nextOpening: '2026-03-30T06:00:00.000Z', showWidget: true, description: 'Пн–Пт 09:00–18:00' })

  const missing = await admin.query(STATUS, { id: '999999' })
  t.equal(errorOf(missing).code, 'OL_NOT_FOUND')
  t.equal(errorOf(await admin.query(STATUS, { id: 'abc' })).code, 'OL_NOT_FOUND')
  t.equal(errorOf(await admin.query(STATUS, { id: channelId, at: 'yesterday' })).code, 'OL_VALIDATION')
  t.equal(errorOf(await h.agent().query(STATUS, { id: channelId })).code, 'OL_UNAUTHENTICATED', 'signed-in users only')
})

t.test('consent is recorded once per client, channel and text version, and can be queried', async (t) => {
  const [client] = await sql<{ id: string }>("insert into clients (name) values ('Ana') returning id::text as id")
  const first = await h.core.transaction(tx => recordConsent(tx, { clientId: client.id, openChannelId: channelId, textVersion: '2026-03', source: 'button' }))
  const again = await h.core.transaction(tx => recordConsent(tx, { clientId: client.id, openChannelId: channelId, textVersion: '2026-03', source: 'message' }))
  t.same(again, first, 'the first acceptance is kept')
  t.equal(first.source, 'button')
  const rows = await sql('select * from automation_consents where client_id = ?', [client.id])
  t.equal(rows.length, 1, 'recorded twice: one row')

  // Concurrent acceptances of the same version still give one row.
  await Promise.all(Array.from({ length: 8 }, () => h.core.transaction(tx => recordConsent(tx, { clientId: client.id, openChannelId: channelId, textVersion: '2026-04', source: 'widget' }))))
  t.equal((await sql('select * from automation_consents where client_id = ?', [client.id])).length, 2)

  const latest = await h.core.transaction(tx => consentOf(tx, client.id, channelId))
  t.match(latest, { clientId: client.id, openChannelId: channelId, textVersion: '2026-04', source: 'widget' })
  t.ok(latest!.acceptedAt instanceof Date)
  t.equal(await h.core.transaction(tx => consentOf(tx, client.id, '999999')), null)

  const listed = await admin.query<{ clientConsents: any[] }>(CONSENTS, { id: client.id })
  t.equal(listed.errors, undefined, JSON.stringify(listed.errors))
  t.same(listed.data!.clientConsents.map(c => [c.textVersion, c.source, c.openChannelId]), [['2026-04', 'widget', channelId], ['2026-03', 'button', channelId]])
  t.equal(listed.data!.clientConsents[1].acceptedAt, first.acceptedAt.toISOString())

  t.equal(errorOf(await h.agent().query(CONSENTS, { id: client.id })).code, 'OL_UNAUTHENTICATED')
  t.equal(errorOf(await admin.query(CONSENTS, { id: '999999' })).code, 'OL_NOT_FOUND')
  await t.rejects(h.core.transaction(tx => recordConsent(tx, { clientId: client.id, openChannelId: channelId, textVersion: '' })), { code: 'OL_VALIDATION' })

  // Deleting the client or the channel deletes their consents (FK cascade).
  await sql('delete from clients where id = ?', [client.id])
  t.equal((await sql('select * from automation_consents where client_id = ?', [client.id])).length, 0)
})
