import type { Test } from 'tap'
import { buildTestApp, type TestApp, type AgentClient } from '@openline/testing'
import { metaPlugin } from '../src/index.ts'
import { sign, type FakeMeta } from './fakeApi.ts'

export const pluginName = 'channel-meta'
export const plugins = [metaPlugin]
export { buildTestApp }

export async function sql<T = any> (h: TestApp, query: string, params: unknown[] = []): Promise<T[]> {
  return (h.core.orm.em.fork() as any).execute(query, params)
}

export async function waitFor (what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

export async function connectMeta (h: TestApp, fake: FakeMeta, connector: 'messenger' | 'instagram' | 'facebook-comments' = 'messenger', settings: Record<string, unknown> = {}): Promise<{ admin: AgentClient, openChannelId: string, connectionId: string, externalAccountId: string }> {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: `Meta ${Math.random().toString(36).slice(2, 8)}` })
  if (oc.errors !== undefined) throw new Error(JSON.stringify(oc.errors))
  const openChannelId = oc.data.createOpenChannel.id
  const conn = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector, settings: { pageAccessToken: fake.token, appSecret: fake.appSecret, apiBaseUrl: fake.apiBaseUrl, ...settings } }
  })
  if (conn.errors !== undefined) throw new Error(JSON.stringify(conn.errors))
  return { admin, openChannelId, connectionId: conn.data.connectChannel.id, externalAccountId: conn.data.connectChannel.externalAccountId }
}

export interface WebhookAnswer { status: number, body: any }

/** POST a webhook the way Meta does: raw bytes signed with the app secret (X-Hub-Signature-256). */
export async function postWebhook (h: TestApp, connectionId: string, appSecret: string, body: Record<string, unknown> | string, options: { signature?: string | null } = {}): Promise<WebhookAnswer> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const signature = options.signature === undefined ? sign(appSecret, raw) : options.signature
  if (signature !== null) headers['x-hub-signature-256'] = signature
  const res = await fetch(`${h.url}/plugins/${pluginName}/webhook/${connectionId}`, { method: 'POST', headers, body: raw })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: res.status, body: parsed }
}

/** A WhatsApp number of the fake connected through GraphQL, as an admin would. */
export async function connectWhatsApp (h: TestApp, fake: FakeMeta, settings: Record<string, unknown> = {}): Promise<{ admin: AgentClient, openChannelId: string, connectionId: string, externalAccountId: string }> {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: `WhatsApp ${Math.random().toString(36).slice(2, 8)}` })
  if (oc.errors !== undefined) throw new Error(JSON.stringify(oc.errors))
  const openChannelId = oc.data.createOpenChannel.id
  const conn = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector: 'whatsapp', settings: { accessToken: fake.token, appSecret: fake.appSecret, phoneNumberId: fake.phoneNumberId, businessAccountId: fake.wabaId, apiBaseUrl: fake.apiBaseUrl, ...settings } }
  })
  if (conn.errors !== undefined) throw new Error(JSON.stringify(conn.errors))
  return { admin, openChannelId, connectionId: conn.data.connectChannel.id, externalAccountId: conn.data.connectChannel.externalAccountId }
}

export interface OutboxRow { status: string, attempts: number, last_error: string | null }

/** The outbox row of an outgoing message. */
export async function outbox (h: TestApp, messageId: string): Promise<OutboxRow> {
  return (await sql<OutboxRow>(h, 'select status, attempts, last_error from outbox where message_id = ?', [messageId]))[0]
}

/** Until the delivery worker is done with the message (sent, or failed for good). */
export function settled (h: TestApp, messageId: string): Promise<void> {
  return waitFor('the outbox row settled', async () => (await outbox(h, messageId)).status !== 'pending', 20_000)
}

/** An agent's reply through the GraphQL API, optionally quoting a message; its id. */
export async function reply (admin: AgentClient, conversationId: string, body: string, quoteMessageId?: string): Promise<string> {
  const res = await admin.query<any>('mutation($c: ID!, $b: String!, $q: ID) { sendMessage(conversationId: $c, body: $b, quoteMessageId: $q) { id } }', { c: conversationId, b: body, q: quoteMessageId ?? null })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
  return res.data.sendMessage.id
}

/**
 * Meta's retries and races: one body posted 5 times in a row, another 5 times at once (racing on a
 * message not stored yet). Each group must name one message, stored once.
 */
export async function postRepeatedly (t: Test, post: (body: Record<string, unknown>) => Promise<WebhookAnswer>, inRow: Record<string, unknown>, atOnce: Record<string, unknown>): Promise<void> {
  const sequential: WebhookAnswer[] = []
  for (let i = 0; i < 5; i++) sequential.push(await post(inRow))
  const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(atOnce)))
  for (const [name, answers] of [['in a row', sequential], ['at once', concurrent]] as const) {
    t.same(answers.map(a => a.status), [200, 200, 200, 200, 200], `${name}: all answered 200`)
    t.equal(new Set(answers.map(a => a.body.messages[0].messageId)).size, 1, `${name}: one message`)
    t.equal(answers.filter(a => a.body.messages[0].duplicate === false).length, 1, `${name}: stored once, the rest duplicates`)
  }
}
