import { definePlugin, Type, DeliveryError, hmacMatches, hmacSha256, keepRawJson, type ChannelConnector } from '@openline/sdk'

const settingsSchema = Type.Object({
  /** The "provider account": defaults to one the connector makes up, like a bot id returned by getMe. */
  accountId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Shared secret for webhook signatures. */
  secret: Type.String({ minLength: 8 }),
  /** Base URL of the provider's API (a loopback fake in tests). */
  apiBaseUrl: Type.String({ pattern: '^https?://' })
})

export function sign (secret: string, body: string | Buffer): string {
  return hmacSha256(secret, body)
}

const connector: ChannelConnector<typeof settingsSchema> = {
  id: 'test',
  title: 'Loopback test channel',
  settingsSchema,
  secretFields: ['secret'],
  capabilities: { typing: false, edits: true, deletes: true, attachments: false, buttons: false },
  async connect ({ settings, externalAccountId }) {
    return { externalAccountId: externalAccountId ?? settings.accountId ?? `acct-${Math.random().toString(36).slice(2, 10)}` }
  },
  async send (delivery) {
    const body = await call(delivery.connection.settings, 'send', { idempotencyKey: delivery.idempotencyKey, to: delivery.externalUserId, text: delivery.body, senderName: delivery.senderName })
    return { externalMessageId: (body as { id: string }).id }
  },
  async edit (delivery) {
    await call(delivery.connection.settings, 'edit', { id: delivery.externalMessageId, text: delivery.body })
  },
  async remove (delivery) {
    await call(delivery.connection.settings, 'delete', { id: delivery.externalMessageId })
  }
}

/** One provider API call, its failures told apart the way real connectors do. */
async function call (settings: Record<string, unknown>, method: string, payload: Record<string, unknown>): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${String(settings.apiBaseUrl)}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
  } catch (err) {
    throw new DeliveryError(`provider unreachable: ${(err as Error).message}`, { retryable: true, cause: err })
  }
  if (res.status === 429) throw new DeliveryError('rate limited', { retryable: true, retryAfterMs: Number(res.headers.get('retry-after') ?? '1') * 1000 })
  if (res.status === 403) throw new DeliveryError('blocked by the user', { retryable: false, undeliverable: true })
  if (res.status >= 500) throw new DeliveryError(`provider error ${res.status}`, { retryable: true })
  if (!res.ok) throw new DeliveryError(`provider refused: ${res.status}`, { retryable: false })
  return res.json()
}

/**
 * A generic loopback connector: webhooks at `/plugins/test-connector/webhook/<connectionId>`
 * signed with `x-test-signature: hex(HMAC-SHA256(secret, raw body))`, sends to `apiBaseUrl/send`.
 */
export const testConnectorPlugin = definePlugin({
  name: 'test-connector',
  version: '0.1.0',
  core: '>=0.1.0',
  provides: { channels: [connector] },
  routes (app, ctx) {
    // Signatures are over the raw bytes: keep them.
    keepRawJson(app, { bodyLimit: 256 * 1024 })
    app.post('/webhook/:connectionId', async (request, reply) => {
      const { connectionId } = request.params as { connectionId: string }
      const connection = await ctx.connections.get(connectionId)
      if (connection === null || connection.connector !== 'test') return reply.code(404).send({ error: 'unknown connection' })
      const raw = request.body as Buffer
      if (!hmacMatches(String(connection.secrets.secret), raw, request.headers['x-test-signature'])) return reply.code(401).send({ error: 'bad signature' })
      let update: { userId?: unknown, messageId?: unknown, text?: unknown, name?: unknown, sentAt?: unknown }
      try {
        update = JSON.parse(raw.toString('utf8'))
      } catch {
        return reply.code(400).send({ error: 'malformed JSON' })
      }
      if (typeof update !== 'object' || update === null || typeof update.userId !== 'string' || typeof update.messageId !== 'string') {
        return reply.code(400).send({ error: 'userId and messageId are required strings' })
      }
      const result = await ctx.ingest({
        connector: 'test',
        externalAccountId: connection.externalAccountId,
        externalUserId: update.userId,
        externalMessageId: update.messageId,
        text: typeof update.text === 'string' ? update.text : '',
        sentAt: typeof update.sentAt === 'string' ? new Date(update.sentAt) : undefined,
        client: typeof update.name === 'string' ? { name: update.name } : undefined
      })
      return { ok: true, ...result }
    })
  }
})
