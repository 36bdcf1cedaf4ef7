import type { FastifyInstance } from 'fastify'
import { OpenlineError, keepRawJson, sameSecret, type PluginContext } from '@openline/sdk'
import { mapUpdate } from './inbound.ts'
import { fetchAttachments } from './files.ts'
import { answerCallback, targetOf } from './outbound.ts'

export const connectorId = 'telegram'
/** Telegram updates are small (text ≤ 4096, captions ≤ 1024, files are references). */
export const bodyLimit = 256 * 1024
/** getFile serves files up to 20 MB. */
const maxFileBytes = 20 * 1024 * 1024

/** Constant-time comparison of the header with the connection's secret. */
export const secretMatches = sameSecret

/** `POST /plugins/channel-telegram/webhook/:connectionId`: the URL setWebhook registers. */
export function registerWebhook (app: FastifyInstance, ctx: PluginContext): void {
  // Messages this instance stored lately: a redelivery skips downloading its files again (the
  // ingest still runs and answers "duplicate"; attachments of duplicates are not used).
  const recent = new Set<string>()
  const remember = (key: string): void => {
    if (recent.size >= 5000) recent.delete(recent.values().next().value as string)
    recent.add(key)
  }
  // The raw bytes stay raw until the secret is checked (encapsulated: only this plugin's routes).
  keepRawJson(app, { bodyLimit })

  app.post('/webhook/:connectionId', async (request, reply) => {
    const { connectionId } = request.params as { connectionId: string }
    const connection = await ctx.connections.get(connectionId)
    if (connection === null || connection.connector !== connectorId) return reply.code(404).send({ error: 'unknown connection' })
    if (!secretMatches(request.headers['x-telegram-bot-api-secret-token'], connection.secrets.webhookSecret)) {
      return reply.code(401).send({ error: 'bad secret token' })
    }
    if (connection.status !== 'connected') return reply.code(410).send({ error: 'connection disconnected' })
    const raw = request.body
    if (!Buffer.isBuffer(raw)) return reply.code(415).send({ error: 'expected application/json' })
    let update: unknown
    try {
      update = JSON.parse(raw.toString('utf8'))
    } catch {
      return reply.code(400).send({ error: 'malformed JSON' })
    }
    const mapped = mapUpdate(update)
    if (mapped.kind === 'invalid') return reply.code(400).send({ error: mapped.reason })
    if (mapped.kind === 'ignore') {
      // Answer 200: anything else makes Telegram redeliver an update we will never handle.
      request.log.info({ connectionId, reason: mapped.reason }, 'telegram: update ignored')
      return { ok: true, ignored: mapped.reason }
    }
    const target = typeof connection.secrets.token === 'string' ? targetOf(connection) : null
    const configured = Number(connection.settings.maxFileBytes)
    const maxBytes = Number.isSafeInteger(configured) && configured > 0 ? configured : maxFileBytes
    const key = `${connection.id}|${mapped.inbound.externalMessageId}`
    const attachments = mapped.kind !== 'message' || mapped.files.length === 0
      ? undefined
      : target === null || recent.has(key)
        ? mapped.files.map(f => ({ kind: f.kind, providerFileId: f.fileId, name: f.name, mimeType: f.mimeType, size: f.size }))
        : await fetchAttachments(mapped.files, { target, maxBytes, files: ctx.files, log: request.log })
    let result
    try {
      result = await ctx.ingest({ ...mapped.inbound, connector: connectorId, externalAccountId: connection.externalAccountId, attachments })
    } catch (err) {
      // A message the core refuses (validation) would be refused forever: drop it, never a 5xx.
      if (err instanceof OpenlineError && err.statusCode < 500) {
        if (err.statusCode === 410) return reply.code(410).send({ error: err.code })
        request.log.warn({ connectionId, code: err.code, fields: err.fields }, 'telegram: update refused by the core; dropped')
        return { ok: true, ignored: err.code }
      }
      throw err
    }
    remember(key)
    if (mapped.kind === 'callback' && !result.duplicate && target !== null) {
      // Stops the spinner on the client's button; not awaited: the update is stored already.
      answerCallback(target, mapped.callbackQueryId).catch(err => request.log.warn({ error: (err as Error).message }, 'telegram: answerCallbackQuery failed'))
    }
    return { ok: true, messageId: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate }
  })
}
