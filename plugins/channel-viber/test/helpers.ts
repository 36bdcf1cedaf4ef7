import { buildTestApp, type TestApp, type AgentClient } from '@openline/testing'
import { viberPlugin } from '../src/index.ts'
import { callbackRaw, sign, type FakeViber } from './fakeApi.ts'

export const pluginName = 'channel-viber'

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

/** An open channel with a Viber connection to `fake`; the connector names the account. */
export async function connectViber (h: TestApp, fake: FakeViber, settings: Record<string, unknown> = {}): Promise<{ admin: AgentClient, openChannelId: string, connectionId: string, externalAccountId: string }> {
  const admin = await h.login(h.admin.email, h.admin.password)
  const oc = await admin.query<any>('mutation($n: String!) { createOpenChannel(input: { name: $n }) { id } }', { n: `Viber ${Math.random().toString(36).slice(2, 8)}` })
  if (oc.errors !== undefined) throw new Error(JSON.stringify(oc.errors))
  const openChannelId = oc.data.createOpenChannel.id
  const conn = await admin.query<any>('mutation($i: ConnectChannelInput!) { connectChannel(input: $i) { id externalAccountId } }', {
    i: { openChannelId, connector: 'viber', settings: { authToken: fake.token, apiBaseUrl: fake.apiBaseUrl, ...settings } }
  })
  if (conn.errors !== undefined) throw new Error(JSON.stringify(conn.errors))
  return { admin, openChannelId, connectionId: conn.data.connectChannel.id, externalAccountId: conn.data.connectChannel.externalAccountId }
}

export interface WebhookAnswer { status: number, body: any }

/** POST a callback the way Viber does: raw bytes signed with the bot's token. */
export async function postCallback (h: TestApp, connectionId: string, token: string, body: Record<string, unknown> | string, options: { signature?: string | null } = {}): Promise<WebhookAnswer> {
  const raw = typeof body === 'string' ? body : callbackRaw(body)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const signature = options.signature === undefined ? sign(token, raw) : options.signature
  if (signature !== null) headers['x-viber-content-signature'] = signature
  const res = await fetch(`${h.url}/plugins/${pluginName}/webhook/${connectionId}`, { method: 'POST', headers, body: raw })
  const text = await res.text()
  let parsed: unknown = text
  try { parsed = JSON.parse(text) } catch {}
  return { status: res.status, body: parsed }
}

export const plugins = [viberPlugin]
export { buildTestApp }
