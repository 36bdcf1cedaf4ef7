// The `faq` chatbot (G4): greets with the menu, answers menu choices (buttons, numbers, titles)
// and keywords, falls back when it does not understand and hands over after too many misses or
// when an item or rule says so. After the hand-over it stays silent (G3 "stay until the end").
import type { BotActions, Chatbot, ConversationRecord, Tx } from '@openline/sdk'
import { faqBotSettingsSchema, type FaqBotSettings } from './settings.ts'
import { choose, levelAt, parentPath, renderMenu, type MenuLevel } from './menu.ts'
import { readState, writeState, type BotState } from './state.ts'

export const faqBotId = 'faq'

/** `text`, then the menu at `level` below it (as buttons or a numbered list). */
async function say (bot: BotActions, settings: FaqBotSettings, level: MenuLevel, withButtons: boolean, text: string): Promise<void> {
  const menu = renderMenu(settings, level, withButtons)
  const body = [text, menu.text].filter(part => part.trim() !== '').join('\n\n')
  await bot.reply(body, menu.buttons.length > 0 ? { buttons: menu.buttons } : undefined)
}

async function handOver (bot: BotActions, tx: Tx, conversation: ConversationRecord, state: BotState, text: string, reason: string): Promise<void> {
  await writeState(tx, conversation.id, { ...state, misses: 0 })
  await bot.reply(text)
  await bot.handOver(reason)
}

export const faqBot: Chatbot<typeof faqBotSettingsSchema> = {
  id: faqBotId,
  title: 'FAQ and menu',
  settingsSchema: faqBotSettingsSchema,

  async onStart ({ conversation, settings, tx, channel }, bot) {
    await writeState(tx, conversation.id, { path: '', misses: 0 })
    await say(bot, settings, levelAt(settings, ''), channel.buttons, settings.greeting)
  },

  async onMessage ({ conversation, message, settings, tx, channel, handedOver }, bot) {
    // The agents have it now: the bot only listens (the channel keeps it until the end).
    if (handedOver === true) return
    const state = await readState(tx, conversation.id)
    const level = levelAt(settings, state.path)
    const withButtons = channel.buttons
    const choice = choose(settings, level, message.body, message.meta.callbackData)

    if (choice.kind === 'back') {
      const up = levelAt(settings, parentPath(level.path))
      await writeState(tx, conversation.id, { path: up.path, misses: 0 })
      return say(bot, settings, up, withButtons, '')
    }
    if (choice.kind === 'item') {
      const { item, path } = choice
      if (item.handOver) return handOver(bot, tx, conversation, state, item.answer ?? settings.handOverText, `menu: ${item.title}`)
      const opened = levelAt(settings, path)
      // An item with a sub-menu opens it; otherwise the client stays where the item was.
      const next = opened.path === path ? opened : levelAt(settings, parentPath(path))
      await writeState(tx, conversation.id, { path: next.path, misses: 0 })
      return say(bot, settings, next, withButtons, item.answer ?? '')
    }
    if (choice.kind === 'keyword') {
      if (choice.handOver) return handOver(bot, tx, conversation, state, choice.answer, 'keyword')
      await writeState(tx, conversation.id, { path: level.path, misses: 0 })
      return say(bot, settings, level, withButtons, choice.answer)
    }
    const misses = state.misses + 1
    if (settings.handOverAfterMisses > 0 && misses >= settings.handOverAfterMisses) {
      return handOver(bot, tx, conversation, state, settings.handOverText, `not understood ${misses} times`)
    }
    await writeState(tx, conversation.id, { path: level.path, misses })
    await say(bot, settings, level, withButtons, settings.fallback)
  }
}
