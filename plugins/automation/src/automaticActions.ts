// Automatic actions of an open channel (ROADMAP E1, E3–E8, B8): the `automaticActions` settings
// group and pure helpers over it. No I/O; the behaviour lives in actions.ts.
import { Type, type Static, type FieldError, type SettingsGroup } from '@openline/sdk'
import { checkTemplate, maxTextLength } from './runtime.ts'

const text = () => Type.Optional(Type.String({ maxLength: maxTextLength, description: 'Template; omitted: the shipped text in the channel\'s language' }))
const when = Type.Union([Type.Literal('firstContact'), Type.Literal('everyConversation')], { default: 'firstContact' })

export const maxHoldSec = 86_400
export const minHoldSec = 60

export const automaticActionsDefaults = {
  greeting: { enabled: false, when: 'firstContact' as const },
  markUnansweredAfterMin: 0,
  noAnswer: { enabled: false, afterMin: 10 },
  noAgents: { enabled: false },
  closing: { enabled: false },
  holdAfterCloseSec: 0,
  autoClose: { enabled: false, afterMin: 1440, message: { enabled: false } }
}

export const automaticActionsSchema = Type.Object({
  /** E1: greet the client when a conversation opens. */
  greeting: Type.Object({
    enabled: Type.Boolean({ default: false }),
    /** firstContact: only the client's very first conversation in this channel; everyConversation: every new one. */
    when,
    text: text()
  }, { default: automaticActionsDefaults.greeting }),
  /** E3: mark the conversation unanswered this many minutes after the client's first message without an agent reply; 0 = off. */
  markUnansweredAfterMin: Type.Integer({ minimum: 0, maximum: 1440, default: 0 }),
  /** E4: no agent replied within `afterMin` of the client's first message: send a text (once). */
  noAnswer: Type.Object({
    enabled: Type.Boolean({ default: false }),
    afterMin: Type.Integer({ minimum: 1, maximum: 1440, default: 10 }),
    text: text()
  }, { default: automaticActionsDefaults.noAnswer }),
  /** E5, B8: the conversation waits in the queue: send a text once (with `{{queuePosition}}`). */
  noAgents: Type.Object({
    enabled: Type.Boolean({ default: false }),
    /** Nobody available (offline, absent, no members). Also used when all are busy unless `busyText` is set. */
    text: text(),
    /** Everyone is at their limit. */
    busyText: text()
  }, { default: automaticActionsDefaults.noAgents }),
  /** E6: after a conversation is closed (not by auto-close): send a closing text. */
  closing: Type.Object({
    enabled: Type.Boolean({ default: false }),
    text: text()
  }, { default: automaticActionsDefaults.closing }),
  /** E7: keep a closed conversation in `closing` this long (time to rate); 0 = close at once, else 60–86400. */
  holdAfterCloseSec: Type.Integer({ minimum: 0, maximum: maxHoldSec, default: 0 }),
  /** E8: close after `afterMin` minutes of client silence following the agent's last reply. */
  autoClose: Type.Object({
    enabled: Type.Boolean({ default: false }),
    afterMin: Type.Integer({ minimum: 1, maximum: 43_200, default: 1440 }),
    /** Send a text after the auto-close. */
    message: Type.Object({
      enabled: Type.Boolean({ default: false }),
      text: text()
    }, { default: automaticActionsDefaults.autoClose.message })
  }, { default: automaticActionsDefaults.autoClose })
})

export type AutomaticActionsSettings = Static<typeof automaticActionsSchema>

/** What the schema cannot say: the hold's gap (1–59 s), blank texts, template syntax errors. */
export function validateAutomaticActions (values: AutomaticActionsSettings): FieldError[] {
  const errors: FieldError[] = []
  if (values.holdAfterCloseSec > 0 && values.holdAfterCloseSec < minHoldSec) {
    errors.push({ path: '/holdAfterCloseSec', message: `0 (close at once) or ${minHoldSec}–${maxHoldSec} seconds` })
  }
  errors.push(
    ...checkTemplate(values.greeting.text, '/greeting/text'),
    ...checkTemplate(values.noAnswer.text, '/noAnswer/text'),
    ...checkTemplate(values.noAgents.text, '/noAgents/text'),
    ...checkTemplate(values.noAgents.busyText, '/noAgents/busyText'),
    ...checkTemplate(values.closing.text, '/closing/text'),
    ...checkTemplate(values.autoClose.message.text, '/autoClose/message/text')
  )
  return errors
}

export const automaticActionsGroup: SettingsGroup<typeof automaticActionsSchema> = {
  id: 'automaticActions',
  title: 'Automatic actions',
  schema: automaticActionsSchema,
  defaults: automaticActionsDefaults as AutomaticActionsSettings,
  validate: validateAutomaticActions
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const bool = (v: unknown, fallback: boolean): boolean => typeof v === 'boolean' ? v : fallback
const int = (v: unknown, fallback: number): number => typeof v === 'number' && Number.isInteger(v) ? v : fallback
const str = (v: unknown): { text?: string } => typeof v === 'string' ? { text: v } : {}

/** Stored values (possibly absent or older than a field) with defaults filled; they were validated on save. */
export function normalizeAutomaticActions (stored: unknown): AutomaticActionsSettings {
  const s = isPlainObject(stored) ? stored : {}
  const d = automaticActionsDefaults
  const o = (v: unknown): Record<string, unknown> => isPlainObject(v) ? v : {}
  const greeting = o(s.greeting)
  const noAnswer = o(s.noAnswer)
  const noAgents = o(s.noAgents)
  const closing = o(s.closing)
  const autoClose = o(s.autoClose)
  const message = o(autoClose.message)
  return {
    greeting: { enabled: bool(greeting.enabled, false), when: greeting.when === 'everyConversation' ? 'everyConversation' : 'firstContact', ...str(greeting.text) },
    markUnansweredAfterMin: int(s.markUnansweredAfterMin, d.markUnansweredAfterMin),
    noAnswer: { enabled: bool(noAnswer.enabled, false), afterMin: int(noAnswer.afterMin, d.noAnswer.afterMin), ...str(noAnswer.text) },
    noAgents: { enabled: bool(noAgents.enabled, false), ...str(noAgents.text), ...(typeof noAgents.busyText === 'string' ? { busyText: noAgents.busyText } : {}) },
    closing: { enabled: bool(closing.enabled, false), ...str(closing.text) },
    holdAfterCloseSec: int(s.holdAfterCloseSec, d.holdAfterCloseSec),
    autoClose: {
      enabled: bool(autoClose.enabled, false),
      afterMin: int(autoClose.afterMin, d.autoClose.afterMin),
      message: { enabled: bool(message.enabled, false), ...str(message.text) }
    }
  }
}

/** E7: when a conversation closed now is closed for good, or null to close at once. */
export function holdUntil (settings: AutomaticActionsSettings, now: number, minuteMs: number): Date | null {
  if (settings.holdAfterCloseSec <= 0) return null
  return new Date(now + settings.holdAfterCloseSec * minuteMs / 60)
}
