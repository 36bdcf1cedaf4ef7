import { OpenlineError, errorCodes, DeliveryError, coreEvents, type Logger, type NewMessage, type MessageRecord, type Tx, type PluginContext, type ChannelConnector, type OutboundDelivery } from '@openline/sdk'
import type { HookRunner, Secrets } from './core.ts'
import { toMessageRecord, messageColumns, toConversationRecord, conversationColumns } from './records.ts'
import { topics } from './topics.ts'
import { isId } from './ids.ts'
import { readRoutingSettings } from './routing/queueSettings.ts'

export const deliverJob = 'core.deliver'
const maxBody = 65_536

export function validateNewMessage (message: NewMessage): void {
  const fields: { path: string, message: string }[] = []
  if (typeof message.conversationId !== 'string' || !isId(message.conversationId)) fields.push({ path: '/conversationId', message: 'must be a conversation id' })
  if (typeof message.body !== 'string' || message.body.length > maxBody) fields.push({ path: '/body', message: `must be a string of at most ${maxBody} characters` })
  else if (message.body.trim() === '' && (message.attachments?.length ?? 0) === 0) fields.push({ path: '/body', message: 'a message needs text or an attachment' })
  if (!['agent', 'bot', 'system'].includes(message.authorKind)) fields.push({ path: '/authorKind', message: 'must be agent, bot or system' })
  if (message.visibility !== undefined && !['public', 'internal'].includes(message.visibility)) fields.push({ path: '/visibility', message: 'must be public or internal' })
  if (fields.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid message', { fields })
}

/**
 * Outgoing path: the message and its outbox row commit together; the delivery job then calls the
 * connector. Internal notes and conversations without a connection get no outbox row at all.
 */
export function createSend (deps: {
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  hooks: HookRunner
  enqueueDelivery: (outboxId: string) => Promise<void>
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  log: Logger
}): (message: NewMessage, tx?: Tx) => Promise<MessageRecord> {
  async function write (message: NewMessage, tx: Tx): Promise<MessageRecord> {
    validateNewMessage(message)
    const [conv] = await tx.query<Record<string, any>>(`select ${conversationColumns} from conversations where id = ? for update`, [message.conversationId])
    if (conv === undefined) throw new OpenlineError(errorCodes.notFound, 'Conversation not found', { statusCode: 404 })
    const conversation = toConversationRecord(conv)
    const visibility = message.visibility ?? 'public'
    const draft = {
      conversationId: conversation.id, connectionId: conversation.connectionId, externalId: null, authorKind: message.authorKind, authorUserId: message.authorUserId ?? null,
      visibility, body: message.body, attachments: message.attachments ?? [], quoteMessageId: message.quoteMessageId ?? null, sentAt: null, editedAt: null, deletedAt: null,
      deliveryStatus: 'none' as MessageRecord['deliveryStatus'], meta: message.meta ?? {}
    }
    await deps.hooks.run('message.beforeStore', { tx, message: draft, conversation })
    const delivers = draft.visibility === 'public' && conversation.connectionId !== null
    const [row] = await tx.query<Record<string, any>>(
      `insert into messages (conversation_id, connection_id, author_kind, author_user_id, visibility, body, attachments, quote_message_id, meta, delivery_status, sent_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, now()) returning ${messageColumns}`,
      [conversation.id, conversation.connectionId, draft.authorKind, draft.authorUserId, draft.visibility, draft.body, JSON.stringify(draft.attachments),
        draft.quoteMessageId, JSON.stringify(draft.meta), delivers ? 'pending' : 'none'])
    const record = toMessageRecord(row)
    const isAgentReply = draft.authorKind === 'agent' && draft.visibility === 'public'
    await tx.query(
      `update conversations set message_count = message_count + 1, updated_at = now()
         ${isAgentReply ? ', last_agent_message_at = now(), first_response_at = coalesce(first_response_at, now())' : ''} where id = ?`, [conversation.id])
    let outboxId: string | null = null
    if (delivers) {
      const [o] = await tx.query<{ id: string }>('insert into outbox (message_id) values (?) returning id::text', [record.id])
      outboxId = o.id
    }
    tx.emit(coreEvents.messageCreated, { messageId: record.id, conversationId: record.conversationId, openChannelId: conversation.openChannelId, authorKind: record.authorKind, visibility: record.visibility })
    tx.afterCommit(async () => {
      deps.publish(topics.messages, { messageAdded: { ...record, openChannelId: conversation.openChannelId, assigneeId: conversation.assigneeId } }).catch(err => deps.log.warn({ err: err.message }, 'subscription push failed'))
      if (outboxId !== null) deps.enqueueDelivery(outboxId).catch(err => deps.log.warn({ err: err.message, outboxId }, 'delivery deferred to the sweeper'))
    })
    return record
  }
  return async (message, tx) => tx !== undefined ? write(message, tx) : deps.transaction(t => write(message, t))
}

/**
 * Mentions are markup for staff (`@[Ana](user:12)`, `#[Order](conversation:34)`): the client gets the names alone.
 */
export function plainMentions (body: string): string {
  return body.replace(/[@#]\[([^\]\n]{1,200})\]\((?:user|conversation):\d{1,19}\)/g, '$1')
}

interface DeliveryRow {
  outbox_id: string
  status: string
  action: 'send' | 'edit' | 'delete'
  attempts: number
  message: Record<string, any>
  conversation: Record<string, any>
  connection_id: string | null
  connector: string | null
  external_account_id: string
  connection_status: string
  connection_settings: Record<string, unknown>
  secrets: string | null
  open_channel_id: string
  external_user_id: string
  external_chat_id: string | null
  identity_id: string
  undeliverable: boolean
  quote_external_id: string | null
  sender_name: string | null
  sender_avatar_url: string | null
  routing: unknown
}

/**
 * Deliver one outbox row. The row is locked (SKIP LOCKED) for the whole call, so two workers
 * never send it twice; a crash mid-call leaves it pending with the same idempotency key.
 */
export function createDeliveryProcessor (deps: {
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  hooks: HookRunner
  secrets: Secrets
  connector: (id: string) => ChannelConnector | undefined
  pluginContextOf: (connectorId: string) => PluginContext
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  log: Logger
}): (data: Record<string, any>, meta: { attempt: number, attempts: number }) => Promise<void> {
  return async function deliver ({ outboxId }, meta) {
    const retry = await deps.transaction(async (tx): Promise<Error | null> => {
      const [row] = await tx.query<DeliveryRow>(
        `select o.id::text as outbox_id, o.status, o.action, o.attempts, to_jsonb(m) as message, to_jsonb(cv) as conversation,
                cn.id::text as connection_id, cn.connector, cn.external_account_id, cn.status as connection_status, cn.settings as connection_settings, cn.secrets,
                cn.open_channel_id::text as open_channel_id, ci.external_user_id, ci.external_chat_id, ci.id::text as identity_id, ci.undeliverable,
                q.external_id as quote_external_id, u.name as sender_name, u.avatar_url as sender_avatar_url,
                (select oc.settings->'queue' from open_channels oc where oc.id = cv.open_channel_id) as routing
           from outbox o
           join messages m on m.id = o.message_id
           join conversations cv on cv.id = m.conversation_id
           join client_identities ci on ci.id = cv.client_identity_id
           left join channel_connections cn on cn.id = m.connection_id
           left join messages q on q.id = m.quote_message_id
           left join users u on u.id = m.author_user_id
          where o.id = ? for update of o skip locked`, [outboxId])
      if (row === undefined || row.status !== 'pending') return null
      const message = toMessageRecord(row.message)
      const conversation = toConversationRecord(row.conversation)
      const fail = async (reason: string): Promise<null> => {
        await tx.query('update outbox set status = ?, attempts = attempts + 1, last_error = ? where id = ?', ['failed', reason, outboxId])
        // A failed edit or delete leaves the message as delivered: only the change did not reach the client.
        if (row.action !== 'send') return null
        await tx.query('update messages set delivery_status = ? where id = ?', ['failed', message.id])
        tx.emit(coreEvents.messageDelivery, { messageId: message.id, conversationId: message.conversationId, status: 'failed', error: reason })
        tx.afterCommit(() => deps.publish(topics.messages, { messageDelivery: { messageId: message.id, conversationId: message.conversationId, status: 'failed', error: reason } }))
        return null
      }
      const connector = row.connector === null ? undefined : deps.connector(row.connector)
      if (connector === undefined) return fail(`no connector ${row.connector ?? '(none)'} is loaded`)
      if (row.connection_status !== 'connected') return fail('the connection is disconnected')
      if (row.undeliverable) return fail('the client cannot be reached on this channel')
      // B6: the client sees the agent's profile, the channel's alias, or no one; bots and system texts carry no person.
      const display = readRoutingSettings(row.routing).agentDisplay
      const person = message.authorKind === 'agent'
      const body = plainMentions(message.body)
      const delivery = display.mode === 'hidden' || !person
        ? { body, senderName: null, senderAvatarUrl: null }
        : display.mode === 'alias'
          ? { body, senderName: display.aliasName ?? null, senderAvatarUrl: display.aliasAvatarUrl ?? null }
          : { body, senderName: row.sender_name, senderAvatarUrl: row.sender_avatar_url }
      try {
        await deps.hooks.run('message.beforeDeliver', { tx, message, conversation, delivery })
      } catch (err) {
        // A veto is a decision, not an outage: retrying would only repeat it.
        if (err instanceof OpenlineError) return fail(`vetoed: ${err.message}`)
        throw err
      }
      if (row.action !== 'send') {
        if ((row.action === 'edit' ? connector.edit : connector.remove) === undefined || !(row.action === 'edit' ? connector.capabilities.edits : connector.capabilities.deletes)) return fail(`${connector.title} cannot ${row.action} sent messages`)
        if (message.externalId === null) {
          const [sending] = await tx.query("select 1 as pending from outbox where message_id = ? and action = 'send' and status = 'pending'", [message.id])
          // The send is still in flight: change the message once it has its provider id.
          if (sending !== undefined && meta.attempt < meta.attempts) return Object.assign(new Error('waiting for the message to be sent first'), { retryAfterMs: 1000 })
          return fail('the message has no provider id to change')
        }
      }
      try {
        const outbound: OutboundDelivery = {
          idempotencyKey: `outbox-${outboxId}`,
          attempt: meta.attempt,
          connection: {
            id: row.connection_id as string, openChannelId: row.open_channel_id, connector: connector.id, externalAccountId: row.external_account_id,
            status: 'connected' as const, settings: row.connection_settings, secrets: row.secrets === null ? {} : deps.secrets.open(row.secrets)
          },
          conversationId: message.conversationId,
          messageId: message.id,
          externalUserId: row.external_user_id,
          externalChatId: row.external_chat_id,
          body: delivery.body,
          attachments: message.attachments,
          senderName: delivery.senderName,
          senderAvatarUrl: delivery.senderAvatarUrl,
          quoteExternalId: row.quote_external_id,
          meta: (message as any).meta ?? {}
        }
        if (row.action !== 'send') {
          const changed = { ...outbound, externalMessageId: message.externalId as string }
          const pluginCtx = deps.pluginContextOf(connector.id)
          await (row.action === 'edit' ? connector.edit?.(changed, pluginCtx) : connector.remove?.(changed, pluginCtx))
          await tx.query('update outbox set status = ?, attempts = attempts + 1, sent_at = now(), last_error = null where id = ?', ['sent', outboxId])
          return null
        }
        const result = await connector.send(outbound, deps.pluginContextOf(connector.id))
        await tx.query('update outbox set status = ?, attempts = attempts + 1, sent_at = now(), last_error = null where id = ?', ['sent', outboxId])
        await tx.query('update messages set delivery_status = ?, external_id = coalesce(?, external_id) where id = ?', ['sent', result.externalMessageId ?? null, message.id])
        tx.emit(coreEvents.messageDelivery, { messageId: message.id, conversationId: message.conversationId, status: 'sent' })
        tx.afterCommit(() => deps.publish(topics.messages, { messageDelivery: { messageId: message.id, conversationId: message.conversationId, status: 'sent' } }))
        return null
      } catch (err) {
        const error = err as Error
        const known = err instanceof DeliveryError ? err : null
        if (known?.undeliverable === true) await tx.query('update client_identities set undeliverable = true where id = ?', [row.identity_id])
        if ((known !== null && !known.retryable) || meta.attempt >= meta.attempts) return fail(error.message)
        await tx.query('update outbox set attempts = attempts + 1, last_error = ? where id = ?', [error.message, outboxId])
        return Object.assign(new Error(error.message), { retryAfterMs: known?.retryAfterMs })
      }
    })
    // Thrown after the attempt count committed, so bull retries with back-off.
    if (retry !== null) throw retry
  }
}
