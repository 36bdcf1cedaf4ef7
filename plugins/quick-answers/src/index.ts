// @openline/plugin-quick-answers: prepared replies per open channel (E9), searched, ranked by use,
// filled in for a conversation, and saved from a message (K6).
import { definePlugin } from '@openline/sdk'
import { migrations } from './migrations.ts'
import { quickAnswersGraphql } from './graphql.ts'

export { fold, searchPatterns } from './search.ts'
export { literalTemplate } from './fromMessage.ts'
export type { QuickAnswer } from './answers.ts'
export type { AnswerVars } from './render.ts'

export const quickAnswersPlugin = definePlugin({
  name: 'quick-answers',
  version: '0.1.0',
  core: '^0.1.0',
  migrations,
  graphql: { agent: quickAnswersGraphql }
})

export default quickAnswersPlugin
