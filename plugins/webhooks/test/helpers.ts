// Set-up the webhook tests share: the real app with the webhooks plugin and the test connector,
// a fake messenger provider and a loopback receiver the plugin is told to trust.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { buildTestApp, startFakeProvider, testConnectorPlugin, type AgentClient, type FakeProvider, type GraphQLResponse, type TestApp } from '@openline/testing'
import webhooksPlugin, { type WebhookOptions } from '../src/index.ts'
import { startReceiver, type Received, type Receiver } from './receiver.ts'

export interface WebhookScene {
  h: TestApp
  admin: AgentClient
  provider: FakeProvider
  receiver: Receiver
  close: () => Promise<void>
}

export async function webhookScene (options: Partial<WebhookOptions> = {}): Promise<WebhookScene> {
  const receiver = await startReceiver()
  const provider = await startFakeProvider()
  const h = await buildTestApp({
    plugins: [
      { definition: webhooksPlugin, options: { allowHttp: true, trustedOrigins: [receiver.origin], retryBaseMs: 150, sweepIntervalMs: 500, ...options } },
      testConnectorPlugin
    ],
    config: { jobs: { sweepIntervalMs: 300, process: true } }
  })
  const admin = await h.login(h.admin.email, h.admin.password)
  return {
    h,
    admin,
    provider,
    receiver,
    async close () {
      await h.close()
      await provider.close()
      await receiver.close()
    }
  }
}

/** The data of a response that must have succeeded. */
export function ok<T = any> (res: GraphQLResponse<T>, what: string): T {
  if (res.errors !== undefined || res.data === undefined || res.data === null) throw new Error(`${what}: ${JSON.stringify(res.errors)}`)
  return res.data
}

/** The code and field paths of a response that must have failed. */
export function failure (res: GraphQLResponse<unknown>): { code: string | undefined, paths: string[] } {
  const error = res.errors?.[0]
  return { code: error?.extensions?.code, paths: (error?.extensions?.fields ?? []).map(f => f.path) }
}

/** Checks a request the way the README tells receivers to: HMAC-SHA256 of `timestamp.body` with the secret. */
export function signedWith (secret: string, request: Received): boolean {
  const timestamp = String(request.headers['x-openline-timestamp'] ?? '')
  const given = String(request.headers['x-openline-signature'] ?? '')
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${request.raw}`).digest('hex')
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))
}

export async function sql<Row = Record<string, any>> (h: TestApp, text: string, params: unknown[] = []): Promise<Row[]> {
  return (h.core.orm.em.fork() as any).execute(text, params)
}

/** How many events named `event` about `id` (a `messageId` or `conversationId` in the payload) the plugin's subscriber has handled. */
export async function handledByPlugin (h: TestApp, event: string, key: 'messageId' | 'conversationId', id: string): Promise<number> {
  const [row] = await sql<{ count: number }>(h,
    `select count(*)::int as count from event_deliveries d join events e on e.id = d.event_id
      where e.name = ? and e.payload->>'${key}' = ? and d.subscriber like 'webhooks:%'`, [event, id])
  return row.count
}

export const WEBHOOK_FIELDS = 'id url description events openChannelIds active disabledReason disabledAt consecutiveFailures createdAt updatedAt'
export const DELIVERY_FIELDS = 'id uid webhookId event eventId status attempts lastError responseStatus manual redeliveryOfId createdAt lastAttemptAt nextAttemptAt deliveredAt'
export const CREATE = `mutation($i: WebhookInput!) { createWebhook(input: $i) { secret webhook { ${WEBHOOK_FIELDS} } } }`
export const UPDATE = `mutation($id: ID!, $i: WebhookPatch!) { updateWebhook(id: $id, input: $i) { ${WEBHOOK_FIELDS} } }`
export const WEBHOOK = `query($id: ID!) { webhook(id: $id) { ${WEBHOOK_FIELDS} } }`
export const WEBHOOKS = `{ webhooks { ${WEBHOOK_FIELDS} } }`
export const DELIVERIES = `query($w: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $w, first: $first, after: $after) { nodes { ${DELIVERY_FIELDS} } nextCursor } }`
export const PING = `mutation($id: ID!) { pingWebhook(id: $id) { ${DELIVERY_FIELDS} } }`
export const REDELIVER = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { ${DELIVERY_FIELDS} } }`
export const ROTATE = 'mutation($id: ID!) { rotateWebhookSecret(id: $id) }'
export const DELETE = 'mutation($id: ID!) { deleteWebhook(id: $id) }'
export const SEND = 'mutation($c: ID!, $b: String!, $internal: Boolean) { sendMessage(conversationId: $c, body: $b, internal: $internal) { id visibility } }'

export async function createWebhook (admin: AgentClient, input: Record<string, unknown>): Promise<{ id: string, secret: string }> {
  const { createWebhook: created } = ok(await admin.query(CREATE, { i: input }), 'createWebhook')
  return { id: created.webhook.id, secret: created.secret }
}

export async function deliveries (admin: AgentClient, webhookId: string): Promise<any[]> {
  return ok(await admin.query(DELIVERIES, { w: webhookId, first: 100 }), 'deliveries').webhookDeliveries.nodes
}
