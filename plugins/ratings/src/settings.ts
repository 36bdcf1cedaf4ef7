// The `quality` settings group of an open channel (ROADMAP F1, F2; A6): when the client is asked
// to rate, what a rating does, how long an answer counts, and the texts. Pure.
import { Type, type FieldError, type SettingsGroup, type Static } from '@openline/sdk'
import { checkTemplate } from './runtime.ts'

export const maxTextLength = 2000
/** Bounds of the rating time limit, in settings minutes: 1 minute to 7 days. */
export const minLimitMinutes = 1
export const maxLimitMinutes = 10_080

const text = (description: string) => Type.Optional(Type.String({ maxLength: maxTextLength, description: `${description} Template; omitted: the shipped text in the channel's language.` }))

export const qualityDefaults = {
  askAtEnd: false,
  duringConversation: false,
  closeOnRating: false,
  timeLimit: { enabled: false, minutes: 1440 },
  texts: {}
}

export const qualitySchema = Type.Object({
  /** F1: ask the client to rate when the conversation is closed (closing or closed). */
  askAtEnd: Type.Boolean({ default: false }),
  /** F2: agents may ask during the conversation (`askForRating`), and the client's answer counts at once. */
  duringConversation: Type.Boolean({ default: false }),
  /** F2: the client's rating closes the conversation. */
  closeOnRating: Type.Boolean({ default: false }),
  /** F2: an answer later than this after the question is ignored and stored nowhere. */
  timeLimit: Type.Object({
    enabled: Type.Boolean({ default: false }),
    minutes: Type.Integer({ minimum: minLimitMinutes, maximum: maxLimitMinutes, default: 1440 })
  }, { default: qualityDefaults.timeLimit }),
  /** F1: the texts of this open channel. */
  texts: Type.Object({
    question: text('The question.'),
    answerHint: text('How to answer in plain text, added to the question where the channel shows no buttons.'),
    thanksLike: text('The thanks for a 👍.'),
    thanksDislike: text('The thanks for a 👎.')
  }, { default: {} })
})

export type QualitySettings = Static<typeof qualitySchema>
export type TextKey = keyof QualitySettings['texts'] & string

export const textKeys: readonly TextKey[] = ['question', 'answerHint', 'thanksLike', 'thanksDislike']

/** What the schema cannot say: blank texts and template syntax errors (checked when saved, not when sent). */
export function validateQuality (values: QualitySettings): FieldError[] {
  return textKeys.flatMap(key => checkTemplate(values.texts[key], `/texts/${key}`))
}

export const qualityGroup: SettingsGroup<typeof qualitySchema> = {
  id: 'quality',
  title: 'Quality',
  schema: qualitySchema,
  defaults: qualityDefaults as QualitySettings,
  validate: validateQuality
}

/**
 * The group as `ctx.openChannel` returns it: the core fills every group's defaults, and stored
 * values were validated when saved.
 */
export function readQuality (group: Record<string, unknown> | undefined): QualitySettings {
  return { ...qualityDefaults, ...group } as QualitySettings
}
