// What a receiver gets: the envelope every delivery shares and the public shape of a message.
import type { MessageRecord } from '@openline/sdk'

export interface Envelope {
  /** The event's id: the same for every endpoint and for manual redeliveries, so receivers can de-duplicate. */
  id: string
  event: string
  occurredAt: string
  data: Record<string, unknown>
}

export interface PublicAttachment {
  kind: string
  name: string | null
  mimeType: string | null
  size: number | null
}

export interface PublicMessage {
  id: string
  conversationId: string
  authorKind: string
  body: string
  attachments: PublicAttachment[]
  createdAt: string
  sentAt: string | null
  editedAt: string | null
  deletedAt: string | null
}

const iso = (d: Date | null): string | null => d === null ? null : new Date(d).toISOString()

/**
 * A public message as integrations see it. Storage keys and provider file ids stay inside: a
 * receiver learns that a file exists, never where it is kept. A deleted message keeps its ids
 * and times but loses its text and files, as it did for the client.
 */
export function publicMessage (message: MessageRecord): PublicMessage {
  const deleted = message.deletedAt !== null
  return {
    id: message.id,
    conversationId: message.conversationId,
    authorKind: message.authorKind,
    body: deleted ? '' : message.body,
    attachments: deleted
      ? []
      : message.attachments.map(a => ({ kind: a.kind, name: a.name ?? null, mimeType: a.mimeType ?? null, size: a.size ?? null })),
    createdAt: new Date(message.createdAt).toISOString(),
    sentAt: iso(message.sentAt),
    editedAt: iso(message.editedAt),
    deletedAt: iso(message.deletedAt)
  }
}
