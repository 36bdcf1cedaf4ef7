import { createHmac, timingSafeEqual } from 'node:crypto'
import { OpenlineError, type Attachment, type PluginContext } from '@openline/sdk'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { mapWebhook } from './inbound.ts'
import { readSettings, type MetaSettings } from './settings.ts'

/** Meta batches events, but a webhook body stays well under this. */
export const maxWebhookBytes = 1024 * 1024
const mediaTimeoutMs = 10_000

/** The webhook `object` each connector of this plugin takes (WhatsApp: `whatsapp_business_account`, later). */
export const objectOfConnector: Record<string, string> = { messenger: 'page', instagram: 'instagram' }

export function signature (appSecret: string, raw: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`
}

function signatureMatches (appSecret: string, raw: Buffer, header: unknown): boolean {
  if (typeof header !== 'string') return false
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim())
  if (match === null) return false
  const given = Buffer.from(match[1], 'hex')
  const expected = createHmac('sha256', appSecret).update(raw).digest()
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function sameSecret (a: string, b: string): boolean {
  const x = createHmac('sha256', 'verify').update(a).digest()
  const y = createHmac('sha256', 'verify').update(b).digest()
  return timingSafeEqual(x, y)
}

/** Fetch and keep an inbound media file; null (message kept without bytes) when refused or failing. */
function fetchMedia (url: string, settings: MetaSettings, ctx: PluginContext): Promise<{ storageKey: string, size: number, mimeType?: string } | null> {
  return ctx.files.keepMedia(url, { apiBaseUrl: settings.apiBaseUrl, mediaHosts: settings.mediaHosts, timeoutMs: mediaTimeoutMs })
}

/** A read receipt names a time (everything sent before the watermark was read), not message ids. */
async function markRead (ctx: PluginContext, connectionId: string, userId: string, watermark: Date): Promise<void> {
  await ctx.messages.setReadUntil({ connectionId, externalUserId: userId, until: watermark })
}

function refuse (reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error })
}

/** GET (verification handshake) and POST (events) at `/plugins/channel-meta/webhook/:connectionId`. */
export function registerWebhook (app: FastifyInstance, ctx: PluginContext): void {
  // Signatures are over the raw bytes: keep them (this parser is local to the plugin's routes).
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: maxWebhookBytes }, (_request, body, done) => done(null, body))

  const connectionOf = async (connectionId: string) => {
    if (!/^[0-9]{1,19}$/.test(connectionId)) return null
    const connection = await ctx.connections.get(connectionId)
    return connection === null || objectOfConnector[connection.connector] === undefined ? null : connection
  }

  app.get('/webhook/:connectionId', async (request, reply) => {
    const { connectionId } = request.params as { connectionId: string }
    const query = request.query as Record<string, unknown>
    const connection = await connectionOf(connectionId)
    if (connection === null) return refuse(reply, 404, 'unknown connection')
    const settings = readSettings(connection.settings, connection.secrets)
    const token = query['hub.verify_token']
    const challenge = query['hub.challenge']
    if (query['hub.mode'] !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || challenge.length > 1000) return refuse(reply, 400, 'not a subscription request')
    if (settings.verifyToken === undefined || !sameSecret(token, settings.verifyToken)) return refuse(reply, 403, 'wrong verify token')
    return reply.code(200).type('text/plain').send(challenge)
  })

  app.post('/webhook/:connectionId', async (request, reply) => {
    const { connectionId } = request.params as { connectionId: string }
    const raw = request.body
    if (!Buffer.isBuffer(raw)) return refuse(reply, 400, 'expected a JSON body')
    const connection = await connectionOf(connectionId)
    if (connection === null) return refuse(reply, 404, 'unknown connection')
    const settings = readSettings(connection.settings, connection.secrets)
    if (settings.appSecret === '' || !signatureMatches(settings.appSecret, raw, request.headers['x-hub-signature-256'])) return refuse(reply, 401, 'bad signature')

    let parsed: unknown
    try {
      parsed = JSON.parse(raw.toString('utf8'))
    } catch {
      return refuse(reply, 400, 'malformed JSON')
    }
    const mapped = mapWebhook(parsed)
    if (mapped === null) return refuse(reply, 400, 'the body is not a JSON object')
    const expected = objectOfConnector[connection.connector]
    if (mapped.object !== expected) {
      request.log.info({ object: mapped.object, expected }, 'meta: webhook for another object ignored')
      return reply.code(200).send({ ok: true, ignored: true })
    }

    const results: { messageId: string, conversationId: string, duplicate: boolean }[] = []
    for (const event of mapped.events) {
      switch (event.kind) {
        case 'ignored':
          request.log.debug({ reason: event.reason }, 'meta: event ignored')
          break
        case 'delivered':
          for (const mid of event.mids) await ctx.messages.setDeliveryStatus({ connectionId: connection.id, externalMessageId: mid, status: 'delivered' })
          break
        case 'read':
          if (event.watermark === undefined) break
          try {
            await markRead(ctx, connection.id, event.userId, event.watermark)
          } catch (err) {
            // A receipt is not worth Meta's retries: logged, answered 200.
            request.log.warn({ err: (err as Error).message }, 'meta: read watermark not applied')
          }
          break
        case 'message': {
          const message = event.message
          if (message.attachments !== undefined) {
            const attachments: Attachment[] = []
            for (const [i, attachment] of message.attachments.entries()) {
              const url = event.mediaUrls[i]
              const stored = url === null || url === undefined ? null : await fetchMedia(url, settings, ctx)
              attachments.push(stored === null ? attachment : { ...attachment, storageKey: stored.storageKey, size: stored.size, ...(stored.mimeType !== undefined ? { mimeType: stored.mimeType } : {}) })
            }
            message.attachments = attachments
          }
          try {
            const result = await ctx.ingest({ connector: connection.connector, externalAccountId: connection.externalAccountId, ...message })
            results.push({ messageId: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate })
          } catch (err) {
            // Refusals of what Meta sent (invalid, disconnected) are logged; only our own outages are 5xx (Meta retries).
            if (err instanceof OpenlineError && err.statusCode < 500) {
              request.log.info({ code: err.code, message: err.message }, 'meta: message refused')
              break
            }
            throw err
          }
        }
      }
    }
    return reply.code(200).send({ ok: true, messages: results })
  })
}
