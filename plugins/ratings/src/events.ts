// Events this plugin owns (other plugins, e.g. KPI statistics, subscribe to them) and the
// subscription topic the console listens on.
import { defineEvent, type Id } from '@openline/sdk'
import type { RatingValue } from './answer.ts'

export const ratingEvents = {
  /** The client rated a conversation (once per conversation). */
  clientRated: defineEvent<{ conversationId: Id, openChannelId: Id, value: RatingValue, source: 'button' | 'text', messageId: Id }>('rating.clientRated'),
  /** A supervisor gave (or changed) the stars of a conversation. */
  supervisorRated: defineEvent<{ conversationId: Id, openChannelId: Id, stars: number, byUserId: Id }>('rating.supervisorRated')
} as const

/** `conversationRated` pushes: `{ conversationRated: ConversationRating }`. */
export const ratedTopic = 'ratings:rated'
