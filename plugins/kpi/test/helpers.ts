// Set-up the KPI tests share: the real app with the kpi plugin (a settings minute of `minuteMs`),
// the test connector, a fixture strategy that assigns at once, a fake provider and an admin.
import { definePlugin, Type, type PluginDefinition, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, type AgentClient, type FakeProvider, type TestApp, type TestChannel } from '@openline/testing'
import kpiPlugin from '../src/index.ts'

// Offer to the first candidate alone: with availability unchecked the conversation is assigned at once.
const firstCandidate: QueueStrategy = {
  id: 'kpi-fixture-first',
  title: 'First candidate',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => ({ agents: candidates.slice(0, 1).map(c => c.userId), exclusive: true })
}
const fixtureStrategies = definePlugin({ name: 'kpi-fixture-strategies', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [firstCandidate] } })

export const secret = 'kpi-test-channel-secret'

export interface Kpi {
  h: TestApp
  admin: AgentClient
  provider: FakeProvider
  /** An open channel with a test connection, assigning to `assignTo` when given, with these `kpi` settings. */
  channel: (name: string, kpi?: Record<string, unknown>, assignTo?: string) => Promise<TestChannel>
  sql: <Row = Record<string, any>>(text: string, params?: unknown[]) => Promise<Row[]>
  close: () => Promise<void>
}

/** The app with the kpi plugin and the fixtures, and `others` (the ratings plugin) when given. */
export async function startKpi (minuteMs: number, others: PluginDefinition<any>[] = []): Promise<Kpi> {
  const provider = await startFakeProvider()
  const h = await buildTestApp({
    plugins: [testConnectorPlugin, { definition: kpiPlugin, options: { minuteMs } }, fixtureStrategies, ...others],
    config: { jobs: { sweepIntervalMs: 200, process: true } }
  })
  const admin = await h.login(h.admin.email, h.admin.password)
  return {
    h,
    admin,
    provider,
    async channel (name, kpi, assignTo) {
      const queue = assignTo === undefined ? undefined : { strategy: firstCandidate.id, members: [{ userId: assignTo }], checkAvailability: false }
      const created = await createTestChannel(h, admin, provider, { name, secret, queue })
      if (kpi !== undefined) {
        const saved = await admin.query('mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "kpi", values: $v) { id } }', { id: created.id, v: kpi })
        if (saved.errors !== undefined) throw new Error(`kpi settings: ${JSON.stringify(saved.errors)}`)
      }
      return created
    },
    sql: async (text, params = []) => (h.core.orm.em.fork() as any).execute(text, params),
    async close () {
      await h.close()
      await provider.close()
    }
  }
}

export const KPI = 'query ($id: ID!) { conversation(id: $id) { id assigneeId status kpi { firstResponseSec avgResponseSec responseCount lateCount late lateSince waitingSince resolved rating } } }'
export const REPLY = 'mutation ($id: ID!, $body: String!) { sendMessage(conversationId: $id, body: $body) { id } }'
export const CLOSE = 'mutation ($id: ID!) { closeConversation(id: $id) { status } }'
export const ALERTS = 'query ($unread: Boolean, $first: Int, $after: ID) { myKpiAlerts(unreadOnly: $unread, first: $first, after: $after) { nodes { id conversationId kind agentId text dueAt createdAt readAt } nextCursor } }'

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** The conversation's KPI figures as `client` sees them (throws on GraphQL errors). */
export async function kpiOf (client: AgentClient, id: string): Promise<any> {
  const res = await client.query(KPI, { id })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.conversation
}

// Only the figures' read selects this column (event handlers of the same app write the table meanwhile).
export const figuresRead = 'response_sec_sum::float8'

/** Count the statements `k`'s app sends that contain `marker` while `fn` runs. */
export async function statementsWith<T> (k: Kpi, marker: string, fn: () => Promise<T>): Promise<{ result: T, count: number }> {
  const connection = k.h.core.orm.em.getConnection() as unknown as { execute: (...args: any[]) => Promise<unknown> }
  const original = connection.execute
  let count = 0
  connection.execute = function (this: unknown, ...args: any[]) {
    if (typeof args[0] === 'string' && args[0].includes(marker)) count++
    return original.apply(this, args)
  }
  try {
    return { result: await fn(), count }
  } finally {
    connection.execute = original
  }
}
