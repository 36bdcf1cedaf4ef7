import type { ConversationRecord, MessageRecord } from '@openline/sdk'

// Raw SQL rows are snake_case; plugins and GraphQL see camelCase records.

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string))

export const messageColumns = 'id::text, conversation_id::text, connection_id::text, external_id, author_kind, author_user_id::text, visibility, body, attachments, quote_message_id::text, meta, created_at, sent_at, edited_at, deleted_at, delivery_status'

export function toMessageRecord (row: Record<string, any>): MessageRecord & { meta: Record<string, unknown> } {
  return {
    id: String(row.id),
    conversationId: String(row.conversation_id),
    connectionId: str(row.connection_id),
    externalId: str(row.external_id),
    authorKind: row.author_kind,
    authorUserId: str(row.author_user_id),
    visibility: row.visibility,
    body: row.body,
    attachments: row.attachments ?? [],
    quoteMessageId: str(row.quote_message_id),
    meta: row.meta ?? {},
    createdAt: new Date(row.created_at),
    sentAt: date(row.sent_at),
    editedAt: date(row.edited_at),
    deletedAt: date(row.deleted_at),
    deliveryStatus: row.delivery_status
  }
}

export const conversationColumns = 'id::text, open_channel_id::text, connection_id::text, client_id::text, client_identity_id::text, status, assignee_id::text, title, pinned_until, created_at, updated_at, queued_at, assigned_at, first_response_at, last_client_message_at, last_agent_message_at, closed_at, close_reason, message_count, silent, pinned_by_id::text'

export function toConversationRecord (row: Record<string, any>): ConversationRecord & { title: string | null, closeReason: string | null, updatedAt: Date, silent: boolean, pinnedById: string | null } {
  return {
    id: String(row.id),
    openChannelId: String(row.open_channel_id),
    connectionId: str(row.connection_id),
    clientId: String(row.client_id),
    clientIdentityId: String(row.client_identity_id),
    status: row.status,
    assigneeId: str(row.assignee_id),
    title: row.title ?? null,
    pinnedUntil: date(row.pinned_until),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    queuedAt: date(row.queued_at),
    assignedAt: date(row.assigned_at),
    firstResponseAt: date(row.first_response_at),
    lastClientMessageAt: date(row.last_client_message_at),
    lastAgentMessageAt: date(row.last_agent_message_at),
    closedAt: date(row.closed_at),
    closeReason: row.close_reason ?? null,
    messageCount: Number(row.message_count),
    silent: row.silent === true,
    pinnedById: str(row.pinned_by_id)
  }
}
