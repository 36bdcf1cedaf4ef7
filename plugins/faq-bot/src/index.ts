// @openline/plugin-faq-bot: the built-in FAQ/menu chatbot (ROADMAP G4), the reference for bots
// written against the SDK. The core runs it (G1–G3); an open channel picks it in its `chatbots`
// settings group with `chatbot: "faq"` and its `chatbotSettings`.
import { definePlugin } from '@openline/sdk'
import { faqBot } from './bot.ts'
import { migrations } from './migrations.ts'

export { faqBot, faqBotId } from './bot.ts'
export { faqBotSettingsSchema, keywordRuleSchema, maxMenuDepth, type FaqBotSettings, type KeywordRule, type MenuItem } from './settings.ts'
export { normalize, containsPhrase } from './text.ts'
export { choose, levelAt, renderMenu, visible, callbackPrefix, backData, type Choice, type MenuLevel, type RenderedMenu } from './menu.ts'
export { migrations }

export const faqBotPlugin = definePlugin({
  name: 'faq-bot',
  version: '0.1.0',
  core: '^0.1.0',
  migrations,
  provides: { chatbots: [faqBot] }
})

export default faqBotPlugin
