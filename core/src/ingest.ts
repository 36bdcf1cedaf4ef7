import { OpenlineError, errorCodes, type InboundMessage, type IngestResult, type Logger, type Tx } from '@openline/sdk'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { HookRunner } from './core.ts'
import type { EventDispatcher } from './events.ts'
import { topics } from './topics.ts'
import { toConversationRecord, conversationColumns } from './records.ts'

const maxTextLength = 65_536
const maxAttachments = 20
const maxIdLength = 255

function requireString (value: unknown, path: string, errors: { path: string, message: string }[]): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxIdLength) errors.push({ path, message: `must be a string of 1–${maxIdLength} characters` })
}

/** Connectors hand us parsed provider data: check it before it reaches SQL. */
export function validateInbound (inbound: InboundMessage): void {
  const errors: { path: string, message: string }[] = []
  requireString(inbound.connector, '/connector', errors)
  requireString(inbound.externalAccountId, '/externalAccountId', errors)
  requireString(inbound.externalUserId, '/externalUserId', errors)
  requireString(inbound.externalMessageId, '/externalMessageId', errors)
  if (inbound.text !== undefined && (typeof inbound.text !== 'string' || inbound.text.length > maxTextLength)) errors.push({ path: '/text', message: `must be a string of at most ${maxTextLength} characters` })
  if (inbound.attachments !== undefined && (!Array.isArray(inbound.attachments) || inbound.attachments.length > maxAttachments)) errors.push({ path: '/attachments', message: `must be a list of at most ${maxAttachments}` })
  if (inbound.sentAt !== undefined && !(inbound.sentAt instanceof Date && !Number.isNaN(inbound.sentAt.getTime()))) errors.push({ path: '/sentAt', message: 'must be a valid date' })
  if ((inbound.text ?? '') === '' && (inbound.attachments?.length ?? 0) === 0) errors.push({ path: '/text', message: 'a message needs text or an attachment' })
  if (errors.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid inbound message', { fields: errors })
}

interface IngestRow {
  error?: 'unknown_connection' | 'connection_inactive'
  duplicate: boolean
  messageId: string
  conversationId: string
  clientId: string
  identityId: string
  identityNew: boolean
  openChannelId: string
  connectionId: string
  openChannelActive: boolean
  conversationOpened: boolean
  firstContact: boolean
  createdAt: string
  sentAt: string
  events: { id: string, name: string }[]
}

/**
 * `ingest` commits an inbound message before returning, so a webhook answers 200 only for a
 * stored message. With no in-transaction hooks it is one statement (one round trip, one commit).
 */
export function createIngest (deps: {
  orm: MikroORM
  hooks: HookRunner
  events: EventDispatcher
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  log: Logger
}): (inbound: InboundMessage) => Promise<IngestResult> {
  const subscribed = ['message.received', 'conversation.opened'].filter(n => deps.events.hasSubscribers(n))
  const needsTransaction = deps.hooks.has('client.identify') || deps.hooks.has('conversation.beforeOpen') || deps.hooks.has('message.beforeStore')

  function argument (inbound: InboundMessage): string {
    return JSON.stringify({ ...inbound, sentAt: inbound.sentAt?.toISOString(), subscribed })
  }

  async function runHooks (tx: Tx, row: IngestRow, inbound: InboundMessage): Promise<void> {
    if (row.identityNew) {
      const payload = { tx, identityId: row.identityId, clientId: row.clientId, inbound }
      await deps.hooks.run('client.identify', payload)
      if (payload.clientId !== row.clientId) {
        // A CRM recognised the person: link the identity (and this conversation) to that client.
        await tx.query('update client_identities set client_id = ? where id = ?', [payload.clientId, row.identityId])
        await tx.query('update conversations set client_id = ? where client_identity_id = ?', [payload.clientId, row.identityId])
        await tx.query('delete from clients c where c.id = ? and not exists (select 1 from client_identities i where i.client_id = c.id)', [row.clientId])
        row.clientId = payload.clientId
      }
    }
    if (row.conversationOpened && deps.hooks.has('conversation.beforeOpen')) {
      const [oc] = await tx.query<Record<string, any>>('select id::text, name, active, language, queue_strategy, queue_settings, chatbot, chatbot_settings, crm_form, crm_form_settings, settings from open_channels where id = ?', [row.openChannelId])
      await deps.hooks.run('conversation.beforeOpen', {
        tx,
        clientId: row.clientId,
        inbound,
        openChannel: { id: oc.id, name: oc.name, active: oc.active, language: oc.language, queueStrategy: oc.queue_strategy, queueSettings: oc.queue_settings, chatbot: oc.chatbot, chatbotSettings: oc.chatbot_settings, crmForm: oc.crm_form, crmFormSettings: oc.crm_form_settings, settings: oc.settings }
      })
    }
    if (deps.hooks.has('message.beforeStore')) {
      const [conv] = await tx.query<Record<string, any>>(`select ${conversationColumns} from conversations where id = ?`, [row.conversationId])
      const message = {
        conversationId: row.conversationId, connectionId: row.connectionId, externalId: inbound.externalMessageId, authorKind: 'client' as const, authorUserId: null,
        visibility: 'public' as const, body: inbound.text ?? '', attachments: inbound.attachments ?? [], quoteMessageId: null, sentAt: new Date(row.sentAt),
        editedAt: null, deletedAt: null, deliveryStatus: 'none' as const
      }
      await deps.hooks.run('message.beforeStore', { tx, message, conversation: toConversationRecord(conv), inbound })
      if (message.body !== (inbound.text ?? '') || message.visibility !== 'public') {
        await tx.query('update messages set body = ?, visibility = ? where id = ?', [message.body, message.visibility, row.messageId])
      }
    }
  }

  return async function ingest (inbound: InboundMessage): Promise<IngestResult> {
    validateInbound(inbound)
    let row: IngestRow
    if (needsTransaction) {
      row = await deps.transaction(async (tx) => {
        const [r] = await tx.query<{ r: IngestRow }>('select ol_ingest(?::jsonb) as r', [argument(inbound)])
        if (r.r.error === undefined && !r.r.duplicate) await runHooks(tx, r.r, inbound)
        return r.r
      })
    } else {
      const [r] = await (deps.orm.em.fork() as any).execute('select ol_ingest(?::jsonb) as r', [argument(inbound)]) as { r: IngestRow }[]
      row = r.r
    }
    if (row.error === 'unknown_connection') throw new OpenlineError(errorCodes.notFound, `No connection for ${inbound.connector} account ${inbound.externalAccountId}`, { statusCode: 404 })
    if (row.error === 'connection_inactive') throw new OpenlineError(errorCodes.connectionInactive, 'This connection is disconnected', { statusCode: 410 })
    if (!row.duplicate) {
      const message = {
        id: row.messageId, conversationId: row.conversationId, openChannelId: row.openChannelId, connectionId: row.connectionId, clientId: row.clientId,
        authorKind: 'client', authorUserId: null, visibility: 'public', body: inbound.text ?? '', attachments: inbound.attachments ?? [],
        createdAt: row.createdAt, sentAt: row.sentAt, conversationOpened: row.conversationOpened, deliveryStatus: 'none', quoteMessageId: null, editedAt: null, deletedAt: null
      }
      deps.publish(topics.messages, { messageAdded: message }).catch(err => deps.log.warn({ err: err.message }, 'subscription push failed'))
      if (row.events.length > 0) deps.events.dispatch(row.events).catch(err => deps.log.warn({ err: err.message }, 'event dispatch deferred to the sweeper'))
    }
    return { messageId: row.messageId, conversationId: row.conversationId, clientId: row.clientId, duplicate: row.duplicate, conversationOpened: row.conversationOpened ?? false }
  }
}
