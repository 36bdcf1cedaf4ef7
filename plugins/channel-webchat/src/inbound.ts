// What a visitor writes: text and their own uploads, or a press of a button they were sent. Each
// becomes a client message through `ctx.ingest`, then a transcript row, then a push to their tabs.
import { OpenlineError, errorCodes, isId, type Attachment, type FieldError, type InboundMessage } from '@openline/sdk'
import type { Ctx, VisitorSession } from './visitors.ts'
import { connectorId, touch } from './visitors.ts'
import { staffMessageOf, writeMessage, type TranscriptMessage } from './transcript.ts'
import { pushToVisitor } from './push.ts'
import { sql } from './sql.ts'

export const maxTextLength = 10_000
export const maxAttachments = 10
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const invalid = (fields: FieldError[]): OpenlineError => new OpenlineError(errorCodes.validation, 'Invalid message', { fields })

async function checkRate (ctx: Ctx, session: VisitorSession): Promise<void> {
  const verdict = await ctx.rateLimit(`message:${session.visitor.id}`, ctx.options.messageLimit)
  if (!verdict.allowed) throw new OpenlineError(errorCodes.rateLimited, `Too many messages; try again in ${verdict.retryAfterSec} s`, { statusCode: 429 })
}

/** The visitor's own uploads as attachments; any other id (someone else's, unknown) refuses the message. */
async function ownUploads (ctx: Ctx, visitorId: string, ids: string[]): Promise<Attachment[]> {
  if (ids.length === 0) return []
  const rows = await sql<{ id: string, storage_key: string, name: string, mime: string, size: string | number }>(ctx,
    `select id::text as id, storage_key, name, mime, size from channel_webchat_uploads where visitor_id = ? and id in (${ids.map(() => '?').join(', ')})`,
    [visitorId, ...ids])
  const byId = new Map(rows.map(r => [r.id, r]))
  const fields = ids.flatMap((id, i): FieldError[] => byId.has(id) ? [] : [{ path: `/attachmentIds/${i}`, message: 'Not one of your uploads' }])
  if (fields.length > 0) throw invalid(fields)
  return ids.map((id) => {
    const r = byId.get(id)!
    return { kind: r.mime.startsWith('image/') ? 'image' : 'file', name: r.name, mimeType: r.mime, size: Number(r.size), storageKey: r.storage_key }
  })
}

/** Ingest, then record and push: a retry after a crash in between finds the stored message (duplicate) and completes. */
async function deliverInbound (ctx: Ctx, session: VisitorSession, inbound: Omit<InboundMessage, 'connector' | 'externalAccountId' | 'externalUserId' | 'client'>, clientMessageId: string | null): Promise<TranscriptMessage> {
  const { visitor, connection } = session
  const result = await ctx.ingest({
    ...inbound,
    connector: connectorId,
    externalAccountId: connection.externalAccountId,
    externalUserId: visitor.externalUserId,
    client: { ...(visitor.name !== null ? { name: visitor.name } : {}), ...(visitor.email !== null ? { email: visitor.email } : {}), ...(visitor.locale !== null ? { locale: visitor.locale } : {}) }
  })
  const written = await writeMessage(ctx, connection.id, {
    visitorId: visitor.id, conversationId: result.conversationId, messageId: result.messageId, fromVisitor: true, clientMessageId, text: inbound.text ?? '', attachments: inbound.attachments ?? []
  })
  if (written === null) throw new OpenlineError(errorCodes.unauthenticated, 'Unknown visitor token: start a new visit', { statusCode: 401 })
  // The visitor's other tabs learn of it; a retry of a stored message tells nobody anything new.
  if (written.inserted) await Promise.all([pushToVisitor(ctx, visitor.id, 'messageAdded', written.message), touch(ctx, visitor.id)])
  return written.message
}

export interface VisitorMessageInput { text: string, clientMessageId: string, attachmentIds?: string[] | null }

export async function sendVisitorMessage (ctx: Ctx, session: VisitorSession, input: VisitorMessageInput): Promise<TranscriptMessage> {
  const fields: FieldError[] = []
  const text = input.text.trim()
  const ids = input.attachmentIds ?? []
  if (input.text.length > maxTextLength) fields.push({ path: '/text', message: `At most ${maxTextLength} characters` })
  if (!uuidPattern.test(input.clientMessageId)) fields.push({ path: '/clientMessageId', message: 'Expected a UUID' })
  if (ids.length > maxAttachments) fields.push({ path: '/attachmentIds', message: `At most ${maxAttachments} files` })
  ids.forEach((id, i) => { if (!isId(id)) fields.push({ path: `/attachmentIds/${i}`, message: 'Expected an id' }) })
  if (text === '' && ids.length === 0) fields.push({ path: '/text', message: 'Write something or attach a file' })
  if (fields.length > 0) throw invalid(fields)
  await checkRate(ctx, session)
  const attachments = await ownUploads(ctx, session.visitor.id, ids)
  const clientMessageId = input.clientMessageId.toLowerCase()
  return deliverInbound(ctx, session, {
    // Scoped by visitor: one visitor's id can never name (or pre-empt) another visitor's message.
    externalMessageId: `${session.visitor.externalUserId}:${clientMessageId}`,
    text,
    ...(attachments.length > 0 ? { attachments } : {})
  }, clientMessageId)
}

/**
 * A press of a data button under a message this visitor received: a client message carrying
 * `meta.callbackData` (ratings, consent). Pressing the same button again is the same message.
 */
export async function pressButton (ctx: Ctx, session: VisitorSession, input: { messageId: string, data: string }): Promise<TranscriptMessage> {
  const notFound = new OpenlineError(errorCodes.notFound, 'No such message', { statusCode: 404 })
  if (!isId(input.messageId)) throw notFound
  const message = await staffMessageOf(ctx, session.visitor.id, input.messageId)
  if (message === null) throw notFound
  const button = message.buttons.find(b => b.data !== undefined && b.data === input.data)
  if (button === undefined) throw invalid([{ path: '/data', message: 'This message has no such button' }])
  await checkRate(ctx, session)
  return deliverInbound(ctx, session, {
    externalMessageId: `${session.visitor.externalUserId}:button:${message.id}:${input.data}`,
    text: button.text,
    meta: { callbackData: input.data, buttonMessageId: message.messageId }
  }, null)
}
