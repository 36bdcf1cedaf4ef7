// Shapes of what the console reads from the agent GraphQL API. Fields added by a newer core or by
// plugins are optional: the console asks only for what the server's schema has (see schema.ts).

export type ConversationStatus = 'queued' | 'bot' | 'assigned' | 'closing' | 'closed'
export type DeliveryStatus = 'none' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed'

export interface Participant {
  userId: string
  name: string
  role: string
  seesHistory: boolean
  joinedAt: string
  leftAt?: string | null
}

export interface Conversation {
  id: string
  openChannelId: string
  status: ConversationStatus
  assigneeId: string | null
  title: string | null
  pinnedUntil: string | null
  createdAt: string
  updatedAt: string
  lastClientMessageAt: string | null
  closedAt: string | null
  messageCount: number
  acceptedAt: string | null
  client: { id: string, name: string | null }
  connector?: string | null
  participants?: Participant[]
  silent?: boolean
  pinnedById?: string | null
  preview?: string | null
  awaitingReply?: boolean
  /** Columns from the registry (#6 KPI fields) land here too. */
  [extra: string]: unknown
}

export interface Attachment {
  kind?: string
  name?: string
  mimeType?: string
  size?: number
  /** A short-lived signed link (newer cores). */
  url?: string
}

export interface Message {
  id: string
  conversationId: string
  authorKind: 'client' | 'agent' | 'bot' | 'system'
  authorUserId: string | null
  visibility: 'public' | 'internal'
  body: string
  attachments: Attachment[]
  quoteMessageId: string | null
  createdAt: string
  sentAt: string | null
  editedAt: string | null
  deletedAt: string | null
  deliveryStatus: DeliveryStatus
  authorName?: string | null
  connector?: string | null
}

export interface Offer {
  conversation: Conversation
  exclusive: boolean
  offeredAt: string
  expiresAt: string | null
}

export interface UserRef { id: string, name: string }
export interface OpenChannelRef { id: string, name: string }

export interface Me {
  id: string
  name: string
  /** 'own' | 'department' | 'all' in lower case. */
  historyScope: string
}

export interface Upload { id: string, name: string, size: number, mimeType: string }
