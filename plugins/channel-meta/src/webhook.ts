import { OpenlineError, hmacMatches, hmacSha256, keepRawJson, sameSecret, type Attachment, type ChannelConnectionRecord, type PluginContext } from '@openline/sdk'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { mapWebhook, type MediaSource, type RoutedEvent } from './inbound.ts'
import { readSettings } from './settings.ts'
import { readWhatsAppSettings } from './whatsappSettings.ts'
import { fetchWhatsAppMedia } from './whatsappMedia.ts'
import { query } from './db.ts'

/** Meta batches events, but a webhook body stays well under this. */
export const maxWebhookBytes = 1024 * 1024
const mediaTimeoutMs = 10_000

/** The webhook `object` each connector of this plugin takes. */
export const objectOfConnector: Record<string, string> = { messenger: 'page', instagram: 'instagram', 'facebook-comments': 'page', whatsapp: 'whatsapp_business_account' }

type Connection = ChannelConnectionRecord & { secrets: Record<string, unknown> }

export function signature (appSecret: string, raw: Buffer | string): string {
  return `sha256=${hmacSha256(appSecret, raw)}`
}

const signatureMatches = (appSecret: string, raw: Buffer, header: unknown): boolean => hmacMatches(appSecret, raw, header, { prefix: 'sha256=' })

/** What the webhook needs of any connection's settings, whichever connector it is. */
function webhookSettings (connection: Connection): { appSecret: string, verifyToken: string | undefined, apiBaseUrl: string, mediaHosts: string[] } {
  const s = connection.connector === 'whatsapp' ? readWhatsAppSettings(connection.settings, connection.secrets) : readSettings(connection.settings, connection.secrets)
  return { appSecret: s.appSecret, verifyToken: s.verifyToken, apiBaseUrl: s.apiBaseUrl, mediaHosts: s.mediaHosts }
}

/** Fetch and keep an inbound media file; null (message kept without bytes) when refused or failing. */
function fetchMedia (source: MediaSource, connection: Connection, ctx: PluginContext): Promise<{ storageKey: string, size: number, mimeType?: string } | null> {
  if (source.kind === 'whatsapp') return fetchWhatsAppMedia(source.mediaId, readWhatsAppSettings(connection.settings, connection.secrets), ctx)
  const settings = webhookSettings(connection)
  return ctx.files.keepMedia(source.url, { apiBaseUrl: settings.apiBaseUrl, mediaHosts: settings.mediaHosts, timeoutMs: mediaTimeoutMs })
}

/** A retry of a stored message skips downloading its files again (ingest then answers "duplicate"). */
async function alreadyStored (ctx: PluginContext, connectionId: string, externalMessageId: string): Promise<boolean> {
  const rows = await query<{ found: number }>(ctx, 'select 1 as found from messages where connection_id = ? and external_id = ? limit 1', [connectionId, externalMessageId])
  return rows.length > 0
}

/** A read receipt names a time (everything sent before the watermark was read), not message ids. */
async function markRead (ctx: PluginContext, connectionId: string, userId: string, watermark: Date): Promise<void> {
  await ctx.messages.setReadUntil({ connectionId, externalUserId: userId, until: watermark })
}

function refuse (reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error })
}

/**
 * The connection an event is for. Meta posts every page's (or phone number's) events of one app to
 * the callback URL set for the object, so an event may belong to another connection than the URL's:
 * the page's comments connection, another number of the same business. Such a sibling is used only
 * when it has the same app secret — the signature we checked proves the payload came from that app.
 */
function connectionResolver (ctx: PluginContext, urlConnection: Connection, appSecret: string): (event: RoutedEvent) => Promise<Connection | null> {
  const found = new Map<string, Promise<Connection | null>>()
  return async ({ connector, accountId }) => {
    if (urlConnection.connector === connector && (accountId === null || accountId === urlConnection.externalAccountId)) return urlConnection
    if (accountId === null) return null
    const key = `${connector}\u0000${accountId}`
    let sibling = found.get(key)
    if (sibling === undefined) {
      sibling = ctx.connections.find(connector, accountId).then(c => {
        if (c === null || objectOfConnector[c.connector] === undefined) return null
        const secret = webhookSettings(c).appSecret
        return secret !== '' && sameSecret(secret, appSecret) ? c : null
      })
      found.set(key, sibling)
    }
    return sibling
  }
}

/** GET (verification handshake) and POST (events) at `/plugins/channel-meta/webhook/:connectionId`. */
export function registerWebhook (app: FastifyInstance, ctx: PluginContext): void {
  // Signatures are over the raw bytes: keep them (this parser is local to the plugin's routes).
  keepRawJson(app, { bodyLimit: maxWebhookBytes })

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
    const settings = webhookSettings(connection)
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
    const settings = webhookSettings(connection)
    if (settings.appSecret === '' || !signatureMatches(settings.appSecret, raw, request.headers['x-hub-signature-256'])) return refuse(reply, 401, 'bad signature')

    let parsed: unknown
    try {
      parsed = JSON.parse(raw.toString('utf8'))
    } catch {
      return refuse(reply, 400, 'malformed JSON')
    }
    const mapped = mapWebhook(parsed)
    if (mapped === null) return refuse(reply, 400, 'the body is not a JSON object')
    const resolve = connectionResolver(ctx, connection, settings.appSecret)

    const results: { messageId: string, conversationId: string, duplicate: boolean }[] = []
    for (const routed of mapped.events) {
      const event = routed.event
      if (event.kind === 'ignored') {
        request.log.debug({ reason: event.reason, connector: routed.connector }, 'meta: event ignored')
        continue
      }
      const target = await resolve(routed)
      if (target === null) {
        request.log.info({ object: mapped.object, connector: routed.connector, account: routed.accountId }, 'meta: event for no connection of this app ignored')
        continue
      }
      switch (event.kind) {
        case 'delivered':
          for (const mid of event.mids) await ctx.messages.setDeliveryStatus({ connectionId: target.id, externalMessageId: mid, status: 'delivered' })
          break
        case 'status':
          await ctx.messages.setDeliveryStatus({ connectionId: target.id, externalMessageId: event.messageId, status: event.status, ...(event.error !== undefined ? { error: event.error } : {}) })
          break
        case 'read':
          if (event.watermark === undefined) break
          try {
            await markRead(ctx, target.id, event.userId, event.watermark)
          } catch (err) {
            // A receipt is not worth Meta's retries: logged, answered 200.
            request.log.warn({ err: (err as Error).message }, 'meta: read watermark not applied')
          }
          break
        case 'message': {
          const message = event.message
          if (message.attachments !== undefined && !(await alreadyStored(ctx, target.id, message.externalMessageId))) {
            const attachments: Attachment[] = []
            for (const [i, attachment] of message.attachments.entries()) {
              const source = event.media[i]
              const stored = source === null || source === undefined ? null : await fetchMedia(source, target, ctx)
              attachments.push(stored === null ? attachment : { ...attachment, storageKey: stored.storageKey, size: stored.size, ...(stored.mimeType !== undefined && attachment.mimeType === undefined ? { mimeType: stored.mimeType } : {}) })
            }
            message.attachments = attachments
          }
          try {
            const result = await ctx.ingest({ connector: target.connector, externalAccountId: target.externalAccountId, ...message })
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
