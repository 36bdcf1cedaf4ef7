/**
 * Plain shapes of the core records as plugins see them (rows read through `tx.execute`,
 * payloads of hooks and events). Ids are strings: PostgreSQL bigint identities.
 */

export type Id = string

export type ConversationStatus = 'queued' | 'bot' | 'assigned' | 'closing' | 'closed'
export type AuthorKind = 'client' | 'agent' | 'bot' | 'system'
export type Visibility = 'public' | 'internal'
export type DeliveryStatus = 'none' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed'

export interface Attachment {
  kind: 'image' | 'file' | 'audio' | 'video' | 'sticker' | 'location'
  name?: string
  mimeType?: string
  size?: number
  /** Where the core stores the bytes (storage key), once fetched. */
  storageKey?: string
  /** Provider's own file reference, fetched through the provider's API only. */
  providerFileId?: string
}

export interface OpenChannelRecord {
  id: Id
  name: string
  active: boolean
  language: string
  queueStrategy: string | null
  queueSettings: Record<string, unknown>
  chatbot: string | null
  chatbotSettings: Record<string, unknown>
  crmForm: string | null
  crmFormSettings: Record<string, unknown>
  /** Settings groups (A6) keyed by group name, each validated on its own. */
  settings: Record<string, Record<string, unknown>>
}

export interface ChannelConnectionRecord {
  id: Id
  openChannelId: Id
  connector: string
  externalAccountId: string
  status: 'connected' | 'disconnected'
  settings: Record<string, unknown>
}

export interface ClientRecord {
  id: Id
  name: string | null
  email: string | null
  phone: string | null
  locale: string | null
}

/**
 * Close reasons the core and first-party plugins use. `spam` (force stop) and `split` (continued in a
 * new conversation) are silent: nothing is sent to the client and the close is not held (E6, E7).
 */
export const closeReasons = {
  byAgent: 'closedByAgent',
  spam: 'spam',
  split: 'split',
  /** A conversation opened only by the client's answer to a rating question (ratings plugin). */
  ratingReply: 'ratingReply'
} as const

export const silentCloseReasons: readonly string[] = [closeReasons.spam, closeReasons.split, closeReasons.ratingReply]

export interface ConversationRecord {
  id: Id
  openChannelId: Id
  connectionId: Id | null
  clientId: Id
  clientIdentityId: Id
  status: ConversationStatus
  assigneeId: Id | null
  pinnedUntil: Date | null
  createdAt: Date
  queuedAt: Date | null
  assignedAt: Date | null
  firstResponseAt: Date | null
  lastClientMessageAt: Date | null
  lastAgentMessageAt: Date | null
  closedAt: Date | null
  messageCount: number
}

export interface MessageRecord {
  id: Id
  conversationId: Id
  connectionId: Id | null
  externalId: string | null
  authorKind: AuthorKind
  authorUserId: Id | null
  visibility: Visibility
  body: string
  attachments: Attachment[]
  quoteMessageId: Id | null
  createdAt: Date
  sentAt: Date | null
  editedAt: Date | null
  deletedAt: Date | null
  deliveryStatus: DeliveryStatus
  /** Provider- and plugin-specific data: `buttons` (see `MessageButton`), `callbackData` of a pressed button, `mentions`. */
  meta: Record<string, unknown>
}

/**
 * A button under an outgoing message (`meta.buttons`): ratings, menus, consent. Connectors with
 * `capabilities.buttons` show it (Telegram inline keyboard, widget button); a press arrives as a
 * client message whose `meta.callbackData` is the button's `data`. Others get the text alone.
 */
export interface MessageButton {
  text: string
  /** Sent back as `meta.callbackData` when pressed (at most 64 bytes). */
  data?: string
  /** Opens a link instead (CRM forms in messengers). */
  url?: string
}

export interface UserRecord {
  id: Id
  email: string
  name: string
  roleId: Id
  active: boolean
}
