// The visitor's transcript (`channel_webchat_messages`): their own messages as ingested and what
// the connector delivered to them. It is the only source of the visitor API's messages, so an
// internal note (never handed to `send`) cannot appear there.
import type { Attachment, Id, MessageButton, PluginContext } from '@openline/sdk'
import { sql } from './sql.ts'

/** A transcript message as the visitor API returns and pushes it (storage keys stay on the server: see `attachments` resolver). */
export interface TranscriptMessage {
  id: Id
  visitorId: Id
  fromVisitor: boolean
  clientMessageId: string | null
  text: string
  attachments: Attachment[]
  buttons: MessageButton[]
  /** The token of a CRM form sent in this message (the visitor API's `crmForm`), or null. */
  crmFormToken: string | null
  senderName: string | null
  senderAvatarUrl: string | null
  createdAt: string
  editedAt: string | null
  deleted: boolean
}

interface Row {
  id: string
  visitor_id: string
  from_visitor: boolean
  client_message_id: string | null
  body: string
  attachments: Attachment[]
  buttons: MessageButton[]
  crm_form_token: string | null
  sender_name: string | null
  sender_avatar_url: string | null
  created_at: Date | string
  edited_at: Date | string | null
  deleted_at: Date | string | null
}

const columns = `id::text as id, visitor_id::text as visitor_id, from_visitor, client_message_id, body, attachments, buttons, crm_form_token,
  sender_name, sender_avatar_url, created_at, edited_at, deleted_at`

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

function toMessage (row: Row): TranscriptMessage {
  return {
    id: row.id,
    visitorId: row.visitor_id,
    fromVisitor: row.from_visitor,
    clientMessageId: row.client_message_id,
    text: row.body,
    attachments: row.attachments ?? [],
    buttons: row.buttons ?? [],
    crmFormToken: row.crm_form_token,
    senderName: row.sender_name,
    senderAvatarUrl: row.sender_avatar_url,
    createdAt: iso(row.created_at),
    editedAt: row.edited_at === null ? null : iso(row.edited_at),
    deleted: row.deleted_at !== null
  }
}

export interface NewTranscriptMessage {
  visitorId: Id
  conversationId: Id
  messageId: Id
  fromVisitor: boolean
  clientMessageId?: string | null
  text: string
  attachments: Attachment[]
  buttons?: MessageButton[]
  crmFormToken?: string | null
  senderName?: string | null
  senderAvatarUrl?: string | null
}

/**
 * Write a message once per core message: a retried send or a re-sent client message returns the
 * row written first (`inserted` false). Null when the visitor is gone (or belongs to another connection).
 */
export async function writeMessage (ctx: PluginContext<any>, connectionId: Id, m: NewTranscriptMessage): Promise<{ message: TranscriptMessage, inserted: boolean } | null> {
  const rows = await sql<Row & { inserted: boolean }>(ctx,
    `insert into channel_webchat_messages (visitor_id, conversation_id, message_id, from_visitor, client_message_id, body, attachments, buttons, crm_form_token, sender_name, sender_avatar_url)
     select v.id, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ? from channel_webchat_visitors v where v.id = ? and v.connection_id = ?
     on conflict (message_id) do update set message_id = excluded.message_id
     returning ${columns}, xmax = 0 as inserted`,
    [m.conversationId, m.messageId, m.fromVisitor, m.clientMessageId ?? null, m.text, JSON.stringify(m.attachments), JSON.stringify(m.buttons ?? []), m.crmFormToken ?? null,
      m.senderName ?? null, m.senderAvatarUrl ?? null, m.visitorId, connectionId])
  return rows[0] === undefined ? null : { message: toMessage(rows[0]), inserted: rows[0].inserted }
}

/** An agent edited (text) or deleted (everything withdrawn) a delivered message. Null when it is not in a transcript. */
export async function changeMessage (ctx: PluginContext<any>, messageId: Id, change: { text: string } | 'deleted'): Promise<TranscriptMessage | null> {
  const rows = change === 'deleted'
    ? await sql<Row>(ctx, `update channel_webchat_messages set deleted_at = coalesce(deleted_at, now()), body = '', attachments = '[]', buttons = '[]', crm_form_token = null
        where message_id = ? returning ${columns}`, [messageId])
    : await sql<Row>(ctx, `update channel_webchat_messages set body = ?, edited_at = now() where message_id = ? and deleted_at is null returning ${columns}`, [change.text, messageId])
  return rows[0] === undefined ? null : toMessage(rows[0])
}

/** The visitor's messages before `before` (a transcript id), the last `last` of them, oldest first. */
export async function readTranscript (ctx: PluginContext<any>, visitorId: Id, last: number, before: Id | null): Promise<{ nodes: TranscriptMessage[], previousCursor: string | null }> {
  const rows = await sql<Row>(ctx,
    `select ${columns} from channel_webchat_messages where visitor_id = ? ${before === null ? '' : 'and id < ?'} order by id desc limit ?`,
    before === null ? [visitorId, last + 1] : [visitorId, before, last + 1])
  const more = rows.length > last
  const nodes = rows.slice(0, last).reverse().map(toMessage)
  return { nodes, previousCursor: more && nodes.length > 0 ? nodes[0].id : null }
}

/** One of the visitor's messages from the helpdesk (buttons are pressed on these), or null. */
export async function staffMessageOf (ctx: PluginContext<any>, visitorId: Id, id: Id): Promise<(TranscriptMessage & { messageId: Id }) | null> {
  const rows = await sql<Row & { message_id: string }>(ctx,
    `select ${columns}, message_id::text as message_id from channel_webchat_messages where id = ? and visitor_id = ? and not from_visitor and deleted_at is null`, [id, visitorId])
  return rows[0] === undefined ? null : { ...toMessage(rows[0]), messageId: rows[0].message_id }
}

/** The conversation of the visitor's latest message (typing goes there), or null before the first one. */
export async function currentConversation (ctx: PluginContext<any>, visitorId: Id): Promise<Id | null> {
  const rows = await sql<{ conversation_id: string }>(ctx,
    'select conversation_id::text as conversation_id from channel_webchat_messages where visitor_id = ? order by id desc limit 1', [visitorId])
  return rows[0]?.conversation_id ?? null
}
