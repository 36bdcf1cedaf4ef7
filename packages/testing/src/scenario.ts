import type { PluginDefinition } from '@openline/sdk'
import type { PluginEntry } from '@openline/core'
import { buildTestApp, type TestApp } from './app.ts'
import type { AgentClient } from './clients.ts'
import { startFakeProvider, type FakeProvider } from './fakeProvider.ts'
import { sign, testConnectorPlugin } from './testConnector.ts'

export interface TestChannel {
  id: string
  connectionId: string
  /** Post a signed client message to the test connector's webhook; resolves with its JSON answer. */
  inbound: (externalUserId: string, text?: string) => Promise<{ conversationId: string, messageId: string, clientId: string, duplicate: boolean, conversationOpened: boolean }>
}

let sequence = 0

/**
 * An open channel with a `test` connection (test connector, sending to `provider`) and, when
 * given, its `queue` settings group: the usual first step of a routing or automation test.
 */
export async function createTestChannel (h: TestApp, admin: AgentClient, provider: FakeProvider, options: { name: string, queue?: Record<string, unknown>, secret?: string }): Promise<TestChannel> {
  const secret = options.secret ?? 'test-channel-secret'
  const created = await admin.query<{ createOpenChannel: { id: string } }>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: options.name })
  if (created.data === undefined || created.errors !== undefined) throw new Error(`createOpenChannel: ${JSON.stringify(created.errors)}`)
  const id = created.data.createOpenChannel.id
  if (options.queue !== undefined) {
    const saved = await admin.query('mutation($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "queue", values: $v) { id } }', { id, v: options.queue })
    if (saved.errors !== undefined) throw new Error(`queue settings: ${JSON.stringify(saved.errors)}`)
  }
  const connected = await admin.query<{ connectChannel: { id: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id } }',
    { i: { openChannelId: id, connector: 'test', externalAccountId: `acct-${id}-${options.name}`, settings: { secret, apiBaseUrl: provider.url } } })
  if (connected.data === undefined || connected.errors !== undefined) throw new Error(`connectChannel: ${JSON.stringify(connected.errors)}`)
  const connectionId = connected.data.connectChannel.id
  return {
    id,
    connectionId,
    async inbound (externalUserId, text) {
      const n = ++sequence
      const raw = JSON.stringify({ userId: externalUserId, messageId: `msg-${process.pid}-${n}`, text: text ?? `hello ${n}` })
      const res = await fetch(`${h.url}/plugins/test-connector/webhook/${connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign(secret, raw) }, body: raw })
      const body = await res.json() as any
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(body)}`)
      return body
    }
  }
}

/** Poll `read` until `done` holds or `ms` passes (then throw with the last value): tests wait, never assume. */
export async function until<T> (what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms
  let last = await read()
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
    last = await read()
  }
  return last
}

/** `until` for the common case of waiting for one expected value. */
export async function untilEqual<T> (what: string, read: () => Promise<T>, expected: T, ms = 8000): Promise<void> {
  await until(what, read, v => v === expected, ms)
}

export interface RoutingScenario {
  /** Valid after `start()`. */
  readonly h: TestApp
  readonly admin: AgentClient
  start: () => Promise<void>
  close: () => Promise<void>
  /** An open channel with a test connection and these `queue` settings. */
  channel: (name: string, queue: Record<string, unknown>) => Promise<TestChannel>
  /** A client message on `connectionId`; resolves with its conversation id. */
  inbound: (connectionId: string, externalUserId: string) => Promise<string>
  assigneeOf: (conversationId: string) => Promise<string | null>
}

/**
 * The set-up every routing test shares: the app with the test connector and the given plugins,
 * a fake provider and a signed-in admin.
 */
export function routingScenario (options: { plugins: (PluginDefinition<any> | PluginEntry)[], secret?: string }): RoutingScenario {
  let h: TestApp | undefined
  let provider: FakeProvider | undefined
  let admin: AgentClient | undefined
  const channels = new Map<string, TestChannel>()
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('routingScenario: call start() first')
    return value
  }
  return {
    get h () { return ready(h) },
    get admin () { return ready(admin) },
    async start () {
      provider = await startFakeProvider()
      h = await buildTestApp({ plugins: [testConnectorPlugin, ...options.plugins], config: { jobs: { sweepIntervalMs: 300, process: true } } })
      admin = await h.login(h.admin.email, h.admin.password)
    },
    async close () {
      await h?.close()
      await provider?.close()
    },
    async channel (name, queue) {
      const created = await createTestChannel(ready(h), ready(admin), ready(provider), { name, queue, secret: options.secret })
      channels.set(created.connectionId, created)
      return created
    },
    async inbound (connectionId, externalUserId) {
      const channel = channels.get(connectionId)
      if (channel === undefined) throw new Error(`routingScenario: no channel with connection ${connectionId}`)
      return (await channel.inbound(externalUserId)).conversationId
    },
    async assigneeOf (conversationId) {
      const res = await ready(admin).query<{ conversation: { assigneeId: string | null } | null }>('query($id: ID!) { conversation(id: $id) { assigneeId } }', { id: conversationId })
      return res.data?.conversation?.assigneeId ?? null
    }
  }
}
