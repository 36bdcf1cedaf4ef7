// The bot's settings (the open channel's `chatbotSettings` when it picks the `faq` bot), validated
// by the core against this TypeBox schema when the `chatbots` group is saved. Pure.
import { Type, type Static, type TSchema } from '@openline/sdk'

export const maxMenuDepth = 3
export const maxItems = 20

const title = Type.String({ minLength: 1, maxLength: 100 })
const answer = Type.String({ minLength: 1, maxLength: 4000 })

/** A menu item; `levelsBelow` more levels of sub-menus may hang under it. */
function menuItem (levelsBelow: number): TSchema {
  return Type.Object({
    title,
    /** Sent when the item is chosen (before its sub-menu, or before the hand-over). */
    answer: Type.Optional(answer),
    /** Hand the conversation to the agents after the answer. */
    handOver: Type.Boolean({ default: false }),
    ...(levelsBelow > 0 ? { items: Type.Optional(Type.Array(menuItem(levelsBelow - 1), { minItems: 1, maxItems })) } : {})
  })
}

export const keywordRuleSchema = Type.Object({
  /** Words or phrases; a message containing any of them (whole words, case- and accent-insensitive) matches. */
  phrases: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 }),
  answer,
  handOver: Type.Boolean({ default: false })
})

export const faqBotSettingsSchema = Type.Object({
  /** The first message of every conversation the bot takes, followed by the menu. */
  greeting: Type.String({ minLength: 1, maxLength: 4000, default: 'Hello! I am the virtual assistant. I can answer the most common questions.' }),
  /** The line above the menu. */
  menuPrompt: Type.String({ minLength: 1, maxLength: 500, default: 'Choose a topic or type your question:' }),
  /** Up to three levels: an item answers, opens a sub-menu, or hands over. */
  menu: Type.Array(menuItem(maxMenuDepth - 1), { maxItems, default: [] }),
  /** Tried in order when the message chooses no menu item. */
  keywords: Type.Array(keywordRuleSchema, { maxItems: 200, default: [] }),
  /** The answer to a message the bot did not understand (the menu follows). */
  fallback: Type.String({ minLength: 1, maxLength: 4000, default: 'Sorry, I did not understand that.' }),
  /** Hand over after this many messages in a row the bot did not understand; 0 = never. */
  handOverAfterMisses: Type.Integer({ minimum: 0, maximum: 20, default: 3 }),
  /** Sent when the bot hands over (after misses, or an item or rule without its own answer). */
  handOverText: Type.String({ minLength: 1, maxLength: 4000, default: 'Let me pass you to a colleague. Please wait a moment.' }),
  /** The item that leads out of a sub-menu. */
  backTitle: Type.String({ minLength: 1, maxLength: 100, default: 'Back' }),
  /** A line under the menu telling how to reach a person (the channel's "0" rule); empty: none. */
  zeroHint: Type.String({ maxLength: 500, default: 'Send 0 to talk to a person.' })
})

export type FaqBotSettings = Static<typeof faqBotSettingsSchema>
export type KeywordRule = Static<typeof keywordRuleSchema>

/** A menu item at any level (the schema's three levels share this shape). */
export interface MenuItem {
  title: string
  answer?: string
  handOver: boolean
  items?: MenuItem[]
}
