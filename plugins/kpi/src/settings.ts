// The `kpi` settings group of an open channel (ROADMAP A6, H1, H2): response-time targets, who is
// told when one is missed, and the text they get. Pure apart from the template check, which uses
// the core's engine through the context `setup` stored.
import { Type, type FieldError, type SettingsGroup, type Static } from '@openline/sdk'
import { runtime } from './runtime.ts'
import { toHandlebars } from './texts.ts'

export const maxTargetSec = 7 * 24 * 3600
export const minTargetSec = 10
export const maxRecipients = 50
export const maxTextLength = 2000

const target = (defaultSec: number, what: string) => Type.Object({
  enabled: Type.Boolean({ default: false }),
  /** Seconds; a form may offer minutes (× 60). */
  targetSec: Type.Integer({ minimum: minTargetSec, maximum: maxTargetSec, default: defaultSec, description: `Seconds the client may wait for ${what}` })
}, { default: { enabled: false, targetSec: defaultSec } })

export const kpiDefaults = {
  firstResponse: { enabled: false, targetSec: 300 },
  laterResponse: { enabled: false, targetSec: 600 },
  notify: { enabled: false, userIds: [] as string[], supervisors: false, assignee: false }
}

export const kpiSchema = Type.Object({
  /** H1: the agent's first answer in a conversation. */
  firstResponse: target(kpiDefaults.firstResponse.targetSec, 'the first answer'),
  /** H1: each later answer, counted from the client's first message after the agent's previous answer. */
  laterResponse: target(kpiDefaults.laterResponse.targetSec, 'each later answer'),
  /** H2: who is told when a target is missed, and how. */
  notify: Type.Object({
    enabled: Type.Boolean({ default: false }),
    /** Chosen staff members (active users). */
    userIds: Type.Array(Type.String({ pattern: '^[1-9][0-9]{0,18}$' }), { maxItems: maxRecipients, uniqueItems: true, default: [] }),
    /** Every active user whose role sees all history (supervisors and administrators). */
    supervisors: Type.Boolean({ default: false }),
    /** The conversation's responsible agent. */
    assignee: Type.Boolean({ default: false }),
    /** Handlebars template with #OPERATOR# and #DIALOG#; omitted: the shipped text in the channel's language. */
    text: Type.Optional(Type.String({ maxLength: maxTextLength }))
  }, { default: kpiDefaults.notify })
})

export type KpiSettings = Static<typeof kpiSchema>

/** What the schema cannot say: nobody to notify, a blank text, a template that does not compile. */
export function validateKpi (values: KpiSettings): FieldError[] {
  const errors: FieldError[] = []
  const notify = values.notify
  if (notify.enabled && notify.userIds.length === 0 && !notify.supervisors && !notify.assignee) {
    errors.push({ path: '/notify/userIds', message: 'Choose who is notified: users, the supervisors or the assignee' })
  }
  if (notify.text !== undefined) {
    if (notify.text.trim() === '') errors.push({ path: '/notify/text', message: 'Must not be blank; omit it for the default text' })
    else {
      const error = runtime()?.templates.check(toHandlebars(notify.text), '/notify/text') ?? null
      if (error !== null) errors.push(error)
    }
  }
  return errors
}

export const kpiGroup: SettingsGroup<typeof kpiSchema> = {
  id: 'kpi',
  title: 'KPI',
  schema: kpiSchema,
  defaults: kpiDefaults as KpiSettings,
  validate: validateKpi
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function readTarget (stored: unknown, fallback: { enabled: boolean, targetSec: number }): { enabled: boolean, targetSec: number } {
  const s = isObject(stored) ? stored : {}
  return {
    enabled: s.enabled === true,
    targetSec: Number.isInteger(s.targetSec) ? s.targetSec as number : fallback.targetSec
  }
}

/** Stored values (validated when saved, possibly older than a field) with the defaults filled in. */
export function readKpiSettings (stored: unknown): KpiSettings {
  const s = isObject(stored) ? stored : {}
  const notify = isObject(s.notify) ? s.notify : {}
  return {
    firstResponse: readTarget(s.firstResponse, kpiDefaults.firstResponse),
    laterResponse: readTarget(s.laterResponse, kpiDefaults.laterResponse),
    notify: {
      enabled: notify.enabled === true,
      userIds: Array.isArray(notify.userIds) ? notify.userIds.filter((id): id is string => typeof id === 'string') : [],
      supervisors: notify.supervisors === true,
      assignee: notify.assignee === true,
      ...(typeof notify.text === 'string' ? { text: notify.text } : {})
    }
  }
}
