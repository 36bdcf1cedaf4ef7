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

export async function connectMeta (h: TestApp, fake: FakeMeta, connector: 'messenger' | 'instagram' = 'messenger', settings: Record<string, unknown> = {}): Promise<{ admin: AgentClient, openChannelId: string, connectionId: string, externalAccountId: string }> {
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
