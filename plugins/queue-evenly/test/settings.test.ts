import t from 'tap'
import { buildTestApp, type AgentClient, type TestApp } from '@openline/testing'
import plugin from '../src/index.ts'

// The strategy chosen per open channel through the agent API, validated by its own schema.

const CREATE = 'mutation ($input: CreateOpenChannelInput!) { createOpenChannel(input: $input) { id } }'
const UPDATE = 'mutation ($id: ID!, $group: String!, $values: JSON!) { updateOpenChannelSettings(id: $id, group: $group, values: $values) { id queueStrategy queueSettings settings } }'
const CHANNEL = 'query ($id: ID!) { openChannel(id: $id) { queueStrategy queueSettings } }'
const GROUPS = '{ settingsGroups { id choices { id title settingsSchema } } }'

type Channel = { id: string, queueStrategy: string | null, queueSettings: Record<string, unknown>, settings: Record<string, any> }

let testApp: TestApp
let admin: AgentClient

t.before(async () => {
  testApp = await buildTestApp({ plugins: [plugin] })
  admin = await testApp.login(testApp.admin.email, testApp.admin.password)
})
t.teardown(() => testApp?.close())

async function createChannel (name: string): Promise<string> {
  const res = await admin.query<{ createOpenChannel: { id: string } }>(CREATE, { input: { name } })
  if (res.data === undefined || res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.createOpenChannel.id
}

t.test('the strategy is offered as a queue choice with its settings schema', async (t) => {
  const res = await admin.query<{ settingsGroups: { id: string, choices: { id: string, title: string, settingsSchema: any }[] }[] }>(GROUPS)
  t.notOk(res.errors)
  const choice = res.data?.settingsGroups.find(g => g.id === 'queue')?.choices.find(c => c.id === 'evenly')
  t.ok(choice, 'evenly is listed')
  t.equal(choice?.settingsSchema.properties.idleTimeoutSec.default, 0)
})

t.test('valid settings are saved with defaults filled and unknown keys dropped', async (t) => {
  const id = await createChannel('Evenly')
  const saved = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id, group: 'queue', values: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 30, junk: 1 } } })
  t.notOk(saved.errors)
  t.equal(saved.data?.updateOpenChannelSettings.queueStrategy, 'evenly')
  t.same(saved.data?.updateOpenChannelSettings.queueSettings, { idleTimeoutSec: 30 })
  // The core's own queue fields (members, limit, …) sit beside the strategy in the same group.
  t.equal(saved.data?.updateOpenChannelSettings.settings.queue.strategy, 'evenly')
  t.same(saved.data?.updateOpenChannelSettings.settings.queue.strategySettings, { idleTimeoutSec: 30 })

  const defaults = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id, group: 'queue', values: { strategy: 'evenly' } })
  t.notOk(defaults.errors)
  t.same(defaults.data?.updateOpenChannelSettings.queueSettings, { idleTimeoutSec: 0 }, 'idle forwarding off by default')

  for (const edge of [10, 86400, 0]) {
    const res = await admin.query<{ updateOpenChannelSettings: Channel }>(UPDATE, { id, group: 'queue', values: { strategy: 'evenly', strategySettings: { idleTimeoutSec: edge } } })
    t.same(res.data?.updateOpenChannelSettings.queueSettings, { idleTimeoutSec: edge }, `${edge} accepted`)
  }
})

t.test('bad settings: OL_VALIDATION with the field path, nothing saved', async (t) => {
  const id = await createChannel('Evenly bad')
  await admin.query(UPDATE, { id, group: 'queue', values: { strategy: 'evenly', strategySettings: { idleTimeoutSec: 60 } } })
  for (const bad of [5, -1, 86401, 1e9, 12.5, '60', null]) {
    const res = await admin.query(UPDATE, { id, group: 'queue', values: { strategy: 'evenly', strategySettings: { idleTimeoutSec: bad } } })
    t.same(res.errors?.map(e => e.extensions?.code), ['OL_VALIDATION'], `${JSON.stringify(bad)} rejected`)
    t.same(res.errors?.[0].extensions?.fields?.map(f => f.path), ['/strategySettings/idleTimeoutSec'], `${JSON.stringify(bad)}: the field is named`)
  }
  const notObject = await admin.query(UPDATE, { id, group: 'queue', values: { strategy: 'evenly', strategySettings: 'fast' } })
  t.same(notObject.errors?.map(e => e.extensions?.code), ['OL_VALIDATION'])
  t.ok(notObject.errors?.[0].extensions?.fields?.every(f => f.path.startsWith('/strategySettings')), 'strategySettings must be an object')

  const after = await admin.query<{ openChannel: Channel }>(CHANNEL, { id })
  t.same(after.data?.openChannel, { queueStrategy: 'evenly', queueSettings: { idleTimeoutSec: 60 } }, 'the stored value is untouched')
})
