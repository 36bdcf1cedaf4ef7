// @openline/plugin-ratings: the client's like/dislike rating (ROADMAP F1, F2) asked at the end
// of a conversation or during it, with per-channel texts in five languages, a time limit and
// close-on-rating; and supervisors' 1–5 star ratings with a comment (F3).
import { coreEvents, definePlugin, subscribe, Type } from '@openline/sdk'
import { qualityGroup } from './settings.ts'
import { migrations } from './migrations.ts'
import { beforeClose, onStatusChanged } from './ask.ts'
import { onMessageReceived } from './receive.ts'
import { ratingsGraphQL } from './graphql.ts'
import { defaultMinuteMs, setRuntime } from './runtime.ts'

export { qualityGroup, qualitySchema, qualityDefaults, readQuality, validateQuality, type QualitySettings } from './settings.ts'
export { textLanguages, textLanguage, shippedText, type TextLanguage, type TextVars } from './texts.ts'
export { buttonAnswer, textAnswer, ratingButtons, callbackPrefix, type RatingValue } from './answer.ts'
export { ratingEvents, ratedTopic } from './events.ts'
export { ratingCloseReasons } from './ask.ts'
export { checkStars, maxCommentLength } from './graphql.ts'
export type { ConversationRating, ClientRating, SupervisorRating } from './store.ts'
export { migrations }

export const ratingsOptions = Type.Object({
  /** Milliseconds per settings minute of the rating time limit; tests shorten it. */
  minuteMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: defaultMinuteMs })
})

export const ratingsPlugin = definePlugin({
  name: 'ratings',
  version: '0.1.0',
  core: '^0.1.0',
  // After automation: its hold after close (E7) is set before ours lifts it for a close by rating.
  optionalDependsOn: ['automation'],
  options: ratingsOptions,
  migrations,
  provides: { settingsGroups: [qualityGroup] },
  hooks: { 'conversation.beforeClose': beforeClose },
  on: [
    subscribe(coreEvents.conversationStatusChanged, onStatusChanged),
    subscribe(coreEvents.messageReceived, onMessageReceived)
  ],
  graphql: { agent: ratingsGraphQL },
  setup: (ctx) => { setRuntime(ctx) }
})

export default ratingsPlugin
