// GraphQL selections built from what the server has, so one console works with older and newer cores.
import type { Schema } from './schema.ts'
import { columnFields } from './columns.tsx'

const conversationBase = 'id openChannelId status assigneeId title pinnedUntil createdAt updatedAt lastClientMessageAt closedAt messageCount acceptedAt client { id name }'
const conversationOptional: [string, string][] = [
  ['connector', 'connector'],

  ['silent', 'silent'],
  ['pinnedById', 'pinnedById'],
  ['preview', 'preview'],
  ['awaitingReply', 'awaitingReply']
]

const messageBase = 'id conversationId authorKind authorUserId visibility body attachments quoteMessageId createdAt sentAt editedAt deletedAt deliveryStatus'
const messageOptional = ['authorName', 'connector']

export interface Selections {
  conversation: string
  message: string
}

export function selectionsFor (schema: Schema): Selections {
  const conversation = [conversationBase]
  for (const [field, selection] of conversationOptional) if (schema.core('Conversation', field)) conversation.push(selection)
  if (schema.core('Conversation', 'participants')) {
    // leftAt is newer than the rest: asked for only when the server is known to have it.
    conversation.push(`participants { userId name role seesHistory joinedAt${schema.plugin('Participant', 'leftAt') ? ' leftAt' : ''} }`)
  }
  // Several columns may read one field (#6: three KPI columns share \`kpi\`): each selection once.
  for (const [field, selection] of columnFields()) if (schema.plugin('Conversation', field) && !conversation.includes(selection)) conversation.push(selection)
  const message = [messageBase, ...messageOptional.filter(f => schema.core('Message', f))]
  return { conversation: conversation.join(' '), message: message.join(' ') }
}
