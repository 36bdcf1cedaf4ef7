// The ratings plugin's shapes (issue #6, F1–F3) as the console reads them.

export interface ConversationRating {
  conversationId: string
  askedAt: string | null
  expiresAt: string | null
  client: { value: 'like' | 'dislike', at: string, source: string } | null
  supervisor: { stars: number, comment: string | null, byUserId: string | null, byName: string | null, at: string } | null
}

export const ratingSelection = 'conversationId askedAt expiresAt client { value at source } supervisor { stars comment byUserId byName at }'

export const maxStars = 5

export function starsText (stars: number): string {
  return '★'.repeat(stars) + '☆'.repeat(Math.max(0, maxStars - stars))
}

export function clientRatingText (value: 'like' | 'dislike'): string {
  return value === 'like' ? '👍' : '👎'
}

/** The rating a conversation row carries, when the server has the field. */
export function ratingOf (c: Record<string, unknown>): ConversationRating | null {
  return (c.rating ?? null) as ConversationRating | null
}
