import { OpenlineError, hmacMatches, hmacSha256, keepRawJson, type Attachment, type PluginContext } from '@openline/sdk'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { parseViberJson } from './api.ts'
import { mapCallback } from './inbound.ts'
import { readSettings, type ViberSettings } from './settings.ts'
import { payloadTooLarge, senderOf } from './send.ts'

/** Viber callbacks are small JSON objects; anything bigger is not from Viber. */
export const maxWebhookBytes = 64 * 1024
const mediaTimeoutMs = 10_000

/**
 * Tokens of connections being connected right now, by connection id: Viber checks the webhook
 * (a signed `webhook` event) while `set_webhook` runs, before the connection row is committed.
 */
export const pendingTokens = new Map<string, string>()

export function signature (token: string, raw: Buffer | string): string {
  return hmacSha256(token, raw)
}

const signatureMatches = (token: string, raw: Buffer, header: unknown): boolean => hmacMatches(token, raw, header)

// Viber's message_token is a 64-bit integer: parsed so that it stays exact.
function tryParse (raw: Buffer): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseViberJson(raw.toString('utf8')) }
  } catch {
    return { ok: false }
  }
}

/** Fetch and keep an inbound media file; null (message kept without bytes) when refused or failing. */
function fetchMedia (url: string, settings: ViberSettings, ctx: PluginContext): Promise<{ storageKey: string, size: number, mimeType?: string } | null> {
  return ctx.files.keepMedia(url, { apiBaseUrl: settings.apiBaseUrl, mediaHosts: settings.mediaHosts, timeoutMs: mediaTimeoutMs })
}

function refuse (reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error })
}

/** `POST /plugins/channel-viber/webhook/:connectionId`: every Viber callback of one bot. */
export function registerWebhook (app: FastifyInstance, ctx: PluginContext, connectorId: string): void {
  // Signatures are over the raw bytes: keep them (this parser is local to the plugin's routes).
  keepRawJson(app, { bodyLimit: maxWebhookBytes })

  app.post('/webhook/:connectionId', async (request, reply) => {
    const { connectionId } = request.params as { connectionId: string }
    const raw = request.body
    if (!Buffer.isBuffer(raw)) return refuse(reply, 400, 'expected a JSON body')
    const header = request.headers['x-viber-content-signature']

    const pending = pendingTokens.get(connectionId)
    if (pending !== undefined && signatureMatches(pending, raw, header)) {
      // The availability check during set_webhook, verified with the token being connected.
      const parsed = tryParse(raw)
      if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && (parsed.value as { event?: unknown }).event === 'webhook') return reply.code(200).send({})
    }

    const connection = await ctx.connections.get(connectionId)
    if (connection === null || connection.connector !== connectorId) {
      // Another instance may be connecting this bot (its row not committed yet): answer the
      // availability check, which asks nothing of us, and refuse everything else.
      const parsed = raw.length <= 1024 ? tryParse(raw) : { ok: false as const }
      if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && (parsed.value as { event?: unknown }).event === 'webhook') return reply.code(200).send({})
      return refuse(reply, 404, 'unknown connection')
    }
    const settings = readSettings(connection.settings, connection.secrets)
    if (settings.authToken === '' || !signatureMatches(settings.authToken, raw, header)) return refuse(reply, 401, 'bad signature')

    const parsed = tryParse(raw)
    if (!parsed.ok) return refuse(reply, 400, 'malformed JSON')
    const callback = mapCallback(parsed.value)

    switch (callback.kind) {
      case 'invalid':
        request.log.info({ reason: callback.reason }, 'viber: callback refused')
        return refuse(reply, 400, callback.reason)
      case 'ignored':
        request.log.info({ reason: callback.reason }, 'viber: callback ignored')
        return reply.code(200).send({})
      case 'webhook':
        return reply.code(200).send({})
      case 'subscribed':
      case 'unsubscribed':
        // No SDK call marks an identity (un)deliverable yet: an unsubscribed user's next send fails with status 6 → undeliverable.
        request.log.info({ userId: callback.userId, event: callback.kind }, 'viber: subscription changed')
        return reply.code(200).send({})
      case 'deliveryStatus':
        // No SDK call updates `messages.delivery_status` from a connector yet: recorded in the log only.
        request.log.debug({ messageToken: callback.messageToken, status: callback.status, error: callback.error }, 'viber: delivery status')
        return reply.code(200).send({})
      case 'conversationStarted': {
        // Viber lets a bot greet once, in the answer to this callback; no conversation is opened for it.
        if (settings.welcomeText === undefined || connection.status !== 'connected') return reply.code(200).send({})
        let text = settings.welcomeText
        try {
          text = ctx.templates.render(settings.welcomeText, { name: callback.name ?? '' })
        } catch (err) {
          request.log.warn({ err: (err as Error).message }, 'viber: welcome template failed; sent as written')
        }
        const welcome = { sender: senderOf({ senderName: null, senderAvatarUrl: null }, settings), type: 'text', text: text.slice(0, 7000) }
        if (text.trim() === '' || payloadTooLarge(welcome)) return reply.code(200).send({})
        return reply.code(200).send(welcome)
      }
      case 'message': {
        const message = callback.message
        if (callback.mediaUrl !== null && message.attachments !== undefined) {
          const stored = await fetchMedia(callback.mediaUrl, settings, ctx)
          if (stored !== null) {
            const attachment: Attachment = { ...message.attachments[0], storageKey: stored.storageKey, size: stored.size }
            if (stored.mimeType !== undefined) attachment.mimeType = stored.mimeType
            message.attachments[0] = attachment
          }
        }
        try {
          const result = await ctx.ingest({ connector: connectorId, externalAccountId: connection.externalAccountId, ...message })
          return reply.code(200).send({ ok: true, messageId: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate })
        } catch (err) {
          // Refusals of what Viber sent (invalid, disconnected) are 4xx; only our own outages are 5xx (and retried by Viber).
          if (err instanceof OpenlineError && err.statusCode < 500) {
            request.log.info({ code: err.code, message: err.message }, 'viber: message refused')
            return refuse(reply, err.statusCode, err.code)
          }
          throw err
        }
      }
    }
  })
}
