// The set-up the tasks test files share: the app with the plugin, the test connector, a queue
// strategy that assigns at once and a recorder of the plugin's events; staff in the roles tests need.
import { definePlugin, subscribe, Type, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, createTestChannel, startFakeProvider, testConnectorPlugin, until, type AgentClient, type FakeProvider, type GraphQLResponse, type TestApp, type TestChannel } from '@openline/testing'
import tasksPlugin, { calendarEventCreated, taskCreated, taskStatusChanged } from '../src/index.ts'

// The first queue member alone: with availability checks off the conversation is theirs at once.
const first: QueueStrategy = {
  id: 'fixture-first',
  title: 'First member',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => ({ agents: candidates.slice(0, 1).map(c => c.userId), exclusive: true })
}

export interface Recorded { event: string, payload: Record<string, any> }

export type Staff = AgentClient & { id: string, email: string }

export interface Scene {
  h: TestApp
  admin: AgentClient
  /** Events of the plugin as a subscriber received them. */
  events: Recorded[]
  /** A conversation assigned to `agent`; resolves with its id and the client message's id. */
  conversationOf: (agent: Staff, text: string) => Promise<{ conversationId: string, messageId: string }>
  close: () => Promise<void>
}

let channels = 0

export async function startScene (): Promise<Scene> {
  const events: Recorded[] = []
  const record = (event: string) => async (payload: unknown): Promise<void> => { events.push({ event, payload: payload as Record<string, any> }) }
  const fixtures = definePlugin({
    name: 'fixture-tasks',
    version: '0.1.0',
    core: '>=0.1.0',
    provides: { queueStrategies: [first] },
    on: [subscribe(taskCreated, record('taskCreated')), subscribe(taskStatusChanged, record('taskStatusChanged')), subscribe(calendarEventCreated, record('calendarEventCreated'))]
  })
  const provider: FakeProvider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [tasksPlugin, testConnectorPlugin, fixtures], config: { jobs: { sweepIntervalMs: 300, process: true } } })
  const admin = await h.login(h.admin.email, h.admin.password)
  const routed = new Map<string, TestChannel>()
  return {
    h,
    admin,
    events,
    async conversationOf (agent, text) {
      let channel = routed.get(agent.id)
      if (channel === undefined) {
        channel = await createTestChannel(h, admin, provider, { name: `Tasks ${++channels}`, queue: { strategy: 'fixture-first', members: [{ userId: agent.id }], checkAvailability: false } })
        routed.set(agent.id, channel)
      }
      const { conversationId, messageId } = await channel.inbound(`client-${agent.id}-${++channels}`, text)
      await until(`assigned to ${agent.id}`, async () => (await admin.query('query ($id: ID!) { conversation(id: $id) { assigneeId } }', { id: conversationId })).data?.conversation?.assigneeId, id => id === agent.id)
      return { conversationId, messageId }
    },
    async close () {
      await h.close()
      await provider.close()
    }
  }
}

/** The data of a response that must have succeeded. */
export function ok<T> (res: GraphQLResponse<T>): T {
  if (res.errors !== undefined || res.data === undefined || res.data === null) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`)
  return res.data
}

export function code (res: GraphQLResponse<unknown>): string | undefined {
  return res.errors?.[0]?.extensions?.code
}

export function paths (res: GraphQLResponse<unknown>): string[] {
  return (res.errors?.[0]?.extensions?.fields ?? []).map(f => f.path)
}
