// The set-up both quick-answer test files share: the app with the plugin and the test connector,
// a fake provider, a signed-in admin and an open channel clients write to.
import { definePlugin, Type, type QueueStrategy } from '@openline/sdk'
import { buildTestApp, createTestChannel, sign, startFakeProvider, testConnectorPlugin, type AgentClient, type FakeProvider, type GraphQLResponse, type TestApp, type TestChannel } from '@openline/testing'
import quickAnswersPlugin from '../src/index.ts'

// Offers a conversation to the first queue member alone: with availability checks off it is
// assigned at once, which makes it visible to that agent.
const first: QueueStrategy = {
  id: 'fixture-first',
  title: 'First member',
  settingsSchema: Type.Object({}),
  offer: ({ candidates }) => ({ agents: candidates.slice(0, 1).map(c => c.userId), exclusive: true })
}
const strategies = definePlugin({ name: 'fixture-strategies', version: '0.1.0', core: '>=0.1.0', provides: { queueStrategies: [first] } })

export interface Scene {
  h: TestApp
  provider: FakeProvider
  admin: AgentClient
  /** An open channel; with `queue`, its queue settings group (`strategy: 'fixture-first'` assigns at once). */
  channel: (name: string, queue?: Record<string, unknown>) => Promise<TestChannel>
  /** A client message with the client's name; resolves with its conversation and message ids. */
  inbound: (channel: TestChannel, userId: string, text: string, name?: string) => Promise<{ conversationId: string, messageId: string }>
  close: () => Promise<void>
}

const secret = 'quick-answers-secret'
let sequence = 0

export async function startScene (): Promise<Scene> {
  const provider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [quickAnswersPlugin, testConnectorPlugin, strategies], config: { jobs: { sweepIntervalMs: 300, process: true } } })
  const admin = await h.login(h.admin.email, h.admin.password)
  return {
    h,
    provider,
    admin,
    channel: (name, queue) => createTestChannel(h, admin, provider, { name, secret, queue }),
    async inbound (channel, userId, text, name) {
      const raw = JSON.stringify({ userId, messageId: `qa-${process.pid}-${++sequence}`, text, ...(name === undefined ? {} : { name }) })
      const res = await fetch(`${h.url}/plugins/test-connector/webhook/${channel.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
      const body = await res.json() as { conversationId: string, messageId: string }
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(body)}`)
      return body
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

/** The code of the first error. */
export function code (res: GraphQLResponse<unknown>): string | undefined {
  return res.errors?.[0]?.extensions?.code
}

/** The paths of the first error's field list. */
export function paths (res: GraphQLResponse<unknown>): string[] {
  return (res.errors?.[0]?.extensions?.fields ?? []).map(f => f.path)
}
