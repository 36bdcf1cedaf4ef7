// The client's answer to the question, read from a message (pure). A button press carries
// `meta.callbackData = rating:<conversationId>:<like|dislike>` (the question's buttons); where the
// channel shows no buttons the client types 1 / 2 (or 👍 / 👎) as the question's hint says.
import { isId, type MessageButton } from '@openline/sdk'

export type RatingValue = 'like' | 'dislike'
export const ratingValues: readonly RatingValue[] = ['like', 'dislike']

export const callbackPrefix = 'rating:'

/** The question's two buttons: the conversation rides in the data, so a press is matched to it wherever it arrives. */
export function ratingButtons (conversationId: string): MessageButton[] {
  return [
    { text: '👍', data: `${callbackPrefix}${conversationId}:like` },
    { text: '👎', data: `${callbackPrefix}${conversationId}:dislike` }
  ]
}

export type ButtonAnswer =
  | { kind: 'valid', conversationId: string, value: RatingValue }
  /** Rating data that is not ours to trust (edited or garbled by someone): ignored. */
  | { kind: 'malformed' }

/** A pressed rating button, or null when the message is no rating press. */
export function buttonAnswer (meta: Record<string, unknown>): ButtonAnswer | null {
  const data = meta.callbackData
  if (typeof data !== 'string' || !data.startsWith(callbackPrefix)) return null
  const [id, value, ...rest] = data.slice(callbackPrefix.length).split(':')
  if (rest.length > 0 || !isId(id) || !ratingValues.includes(value as RatingValue)) return { kind: 'malformed' }
  return { kind: 'valid', conversationId: id, value: value as RatingValue }
}

const likeWords = new Set(['1', '👍'])
const dislikeWords = new Set(['2', '👎'])

/**
 * A typed answer: the whole message is `1` or `👍` (like), `2` or `👎` (dislike), give or take
 * spaces, a final `.`/`!` and emoji skin tones. Anything else is an ordinary message.
 */
export function textAnswer (body: string): RatingValue | null {
  const word = body.normalize('NFC').replace(/[\uFE0F\u{1F3FB}-\u{1F3FF}]/gu, '').trim().replace(/[.!]+$/, '').trim()
  if (likeWords.has(word)) return 'like'
  if (dislikeWords.has(word)) return 'dislike'
  return null
}
