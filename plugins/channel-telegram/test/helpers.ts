// Shared by the Telegram tests: an app with the plugin, a connected bot, update builders and delivery.
import type { TestApp, AgentClient } from '@openline/testing'
import type { FakeTelegram } from './fakeApi.ts'

export const webhookPath = (connectionId: string): string => `/plugins/channel-telegram/webhook/${connectionId}`

export async function sql<Row = Record<string, any>> (h: Pick<TestApp, 'core'>, query: string, params: unknown[] = []): Promise<Row[]> {
  return await (h.core.orm.em.fork() as any).execute(query, params) as Row[]
}

export async function waitFor<T> (what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    last = await probe()
    if (last !== undefined && last !== false) return last as T
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** An open channel with the fake bot connected through the GraphQL API, as an admin would. */
export async function connectBot (h: TestApp, fake: FakeTelegram, name = 'Telegram'): Promise<{ admin: AgentClient, connectionId: string, openChannelId: string, externalAccountId: string }> {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<{ createOpenChannel: { id: string } }>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: name })
  if (oc.data === undefined) throw new Error(`createOpenChannel: ${JSON.stringify(oc.errors)}`)
  const openChannelId = oc.data.createOpenChannel.id
  const conn = await admin.query<{ connectChannel: { id: string, externalAccountId: string } }>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector: 'telegram', settings: { token: fake.token, apiBaseUrl: fake.url } }
  })
  if (conn.data === undefined || conn.errors !== undefined) throw new Error(`connectChannel: ${JSON.stringify(conn.errors)}`)
  return { admin, openChannelId, connectionId: conn.data.connectChannel.id, externalAccountId: conn.data.connectChannel.externalAccountId }
}

let updateSeq = 1000
let messageSeq = 100
export const nextUpdateId = (): number => ++updateSeq
export const nextMessageId = (): number => ++messageSeq

export function user (id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, is_bot: false, first_name: `User${id}`, last_name: 'Tester', username: `user${id}`, language_code: 'en', ...extra }
}

/** A private-chat message update as Telegram sends it. */
export function messageUpdate (from: number, content: Record<string, unknown>, options: { updateId?: number, messageId?: number, date?: number } = {}): Record<string, unknown> {
  return {
    update_id: options.updateId ?? nextUpdateId(),
    message: {
      message_id: options.messageId ?? nextMessageId(),
      from: user(from),
      chat: { id: from, first_name: `User${from}`, last_name: 'Tester', username: `user${from}`, type: 'private' },
      date: options.date ?? Math.floor(Date.now() / 1000),
      ...content
    }
  }
}

export interface Delivered { status: number, body: any }

/** POST an update the way Telegram does: JSON with the secret token header (the one setWebhook got). */
export async function deliver (h: TestApp, fake: FakeTelegram, connectionId: string, update: unknown, options: { secret?: string | null, raw?: string | Buffer, contentType?: string } = {}): Promise<Delivered> {
  const secret = options.secret === undefined ? fake.webhook()?.secret_token : options.secret
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' }
  if (secret !== null && secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret
  const res = await h.app.inject({ method: 'POST', url: webhookPath(connectionId), headers, payload: options.raw ?? JSON.stringify(update) })
  let body: unknown = res.body
  try { body = JSON.parse(res.body) } catch {}
  return { status: res.statusCode, body }
}

export const sendMutation = 'mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id deliveryStatus } }'
