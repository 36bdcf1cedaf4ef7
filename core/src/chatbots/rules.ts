import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/**
 * G1–G3: when the open channel's chatbot takes a conversation and when it lets go. Stored in
 * `settings.chatbotRules`; the bot id and its own settings stay in their columns.
 */
export const chatbotRulesSchema = Type.Object({
  /** G1: the bot answers every new conversation, or only a client's very first one. */
  when: Type.Union([Type.Literal('everyConversation'), Type.Literal('firstContact')], { default: 'everyConversation' }),
  /** G2: hand over to the queue after this many minutes with the bot (0: only when the bot or the client asks). */
  handOverAfterMinutes: Type.Number({ minimum: 0, maximum: 1440, default: 0 }),
  /** G2: the client sending "0" hands over at once. */
  handOverOnZero: Type.Boolean({ default: true }),
  /** G3: the bot leaves at hand-over, or keeps reading (and may answer) until the conversation ends. */
  stayUntil: Type.Union([Type.Literal('handOver'), Type.Literal('end')], { default: 'handOver' })
})

export type ChatbotRules = Static<typeof chatbotRulesSchema>

export function readChatbotRules (stored: unknown): ChatbotRules {
  const base = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? Value.Clone(stored) : {}
  const filled = Value.Default(chatbotRulesSchema, base) as ChatbotRules
  return Value.Check(chatbotRulesSchema, filled) ? filled : Value.Default(chatbotRulesSchema, {}) as ChatbotRules
}
