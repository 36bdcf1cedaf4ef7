import { Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FieldError, OpenChannelRecord } from '@openline/sdk'
import type { Core } from '../core.ts'
import { routingSettingsSchema, readRoutingSettings } from '../routing/queueSettings.ts'
import { chatbotRulesSchema, readChatbotRules } from '../chatbots/rules.ts'

/** A5: languages shipped for automatic texts, notifications and transcripts. */
export const openChannelLanguages = ['en', 'pt-BR', 'es', 'pl', 'ru'] as const
export type OpenChannelLanguage = typeof openChannelLanguages[number]

export function isOpenChannelLanguage (value: unknown): value is OpenChannelLanguage {
  return typeof value === 'string' && (openChannelLanguages as readonly string[]).includes(value)
}

const languageSchema = Type.Union(openChannelLanguages.map(l => Type.Literal(l)), { default: 'en' })
const choiceId = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()], { default: null })
const freeObject = Type.Record(Type.String(), Type.Unknown(), { default: {} })

/**
 * Groups the core owns. `queue`, `chatbots` and `crmForm` pick a strategy by id and carry that
 * strategy's own settings; `other` holds the language. Every other group (A6: workingHours,
 * consent, automaticActions, quality, kpi…) comes from plugins.
 */
export const coreSettingsGroups = {
  queue: { title: 'Queue', schema: Type.Object({ strategy: choiceId, strategySettings: freeObject, ...routingSettingsSchema.properties }) },
  chatbots: { title: 'Chatbots', schema: Type.Object({ chatbot: choiceId, chatbotSettings: freeObject, ...chatbotRulesSchema.properties }) },
  crmForm: { title: 'CRM form', schema: Type.Object({ form: choiceId, formSettings: freeObject }) },
  other: { title: 'Other', schema: Type.Object({ language: languageSchema }) }
} as const

export type CoreSettingsGroupId = keyof typeof coreSettingsGroups

export function isCoreSettingsGroup (id: string): id is CoreSettingsGroupId {
  return Object.hasOwn(coreSettingsGroups, id)
}

/** The strategy-choosing groups: which key names the id, which the settings, and where to look it up. */
const choiceGroups = {
  queue: { idKey: 'strategy', settingsKey: 'strategySettings', label: 'queue strategy', registry: (core: Core) => core.registry.queueStrategies },
  chatbots: { idKey: 'chatbot', settingsKey: 'chatbotSettings', label: 'chatbot', registry: (core: Core) => core.registry.chatbots },
  crmForm: { idKey: 'form', settingsKey: 'formSettings', label: 'CRM form', registry: (core: Core) => core.registry.crmForms }
} as const

export interface SettingsGroupChoice {
  id: string
  title: string
  settingsSchema: TSchema
}

export interface SettingsGroupDescription {
  id: string
  title: string
  schema: TSchema
  /** For groups that pick a strategy (queue, chatbots, crmForm): the registered ones. */
  choices: SettingsGroupChoice[]
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * TypeBox pipeline used for every stored value: clone, fill defaults, drop unknown keys, then
 * report errors. Paths are JSON pointers relative to the value, prefixed with `prefix`.
 */
export function checkAgainstSchema (schema: TSchema, input: unknown, prefix = ''): { value: unknown, errors: FieldError[] } {
  let value: unknown = Value.Clone(input)
  value = Value.Default(schema, value)
  value = Value.Clean(schema, value)
  const errors: FieldError[] = []
  const seen = new Set<string>()
  for (const error of Value.Errors(schema, value)) {
    const path = `${prefix}${error.path}` || '/'
    // One message per field is what a form can show; the first is the most specific.
    if (seen.has(path)) continue
    seen.add(path)
    errors.push({ path, message: error.message })
  }
  return { value, errors }
}

/** Every settings group an open channel has: the core's, then the plugins'. */
export function listSettingsGroups (core: Core): SettingsGroupDescription[] {
  const out: SettingsGroupDescription[] = []
  for (const [id, group] of Object.entries(coreSettingsGroups)) {
    const choice = (choiceGroups as Record<string, typeof choiceGroups[keyof typeof choiceGroups]>)[id]
    const choices = choice === undefined
      ? []
      : [...choice.registry(core).values()].map(s => ({ id: s.id, title: s.title, settingsSchema: s.settingsSchema }))
    out.push({ id, title: group.title, schema: group.schema, choices })
  }
  for (const group of core.registry.settingsGroups.values()) {
    // A plugin cannot replace a core group (the loader should refuse it; never shadow here).
    if (isCoreSettingsGroup(group.id)) continue
    out.push({ id: group.id, title: group.title, schema: group.schema, choices: [] })
  }
  return out
}

export function settingsGroupExists (core: Core, group: string): boolean {
  return isCoreSettingsGroup(group) || core.registry.settingsGroups.has(group)
}

/**
 * Validate one settings group on its own (A6). Returns the clean values to store (defaults
 * filled, unknown keys dropped) and field errors with paths relative to the group's values
 * (e.g. `/strategySettings/idleTimeoutSec`). An unknown group is an error on `/group`.
 * `values` replaces the group as a whole: missing fields take their defaults.
 */
export function validateSettingsGroup (core: Core, group: string, values: unknown): { values: Record<string, unknown>, errors: FieldError[] } {
  if (!settingsGroupExists(core, group)) {
    return { values: {}, errors: [{ path: '/group', message: `Unknown settings group "${group}"` }] }
  }
  if (!isPlainObject(values)) {
    return { values: {}, errors: [{ path: '/', message: 'Expected an object' }] }
  }

  if (isCoreSettingsGroup(group)) {
    // Defaults would turn an array into an object keyed by index: refuse it before they run.
    const settingsKey = group === 'other' ? null : choiceGroups[group].settingsKey
    if (settingsKey !== null && Array.isArray(values[settingsKey])) return { values: {}, errors: [{ path: `/${settingsKey}`, message: 'Expected an object' }] }
    const { value, errors } = checkAgainstSchema(coreSettingsGroups[group].schema, values)
    if (errors.length > 0 || !isPlainObject(value)) return { values: {}, errors }
    if (group === 'other') return { values: value, errors: [] }
    const choice = validateChoice(core, group, value)
    if (choice.errors.length > 0) return choice
    if (group === 'chatbots') {
      const { chatbot: _c, chatbotSettings: _cs, ...rules } = value
      return { values: { ...choice.values, ...rules }, errors: [] }
    }
    if (group !== 'queue') return choice
    const { strategy: _s, strategySettings: _ss, ...routing } = value
    if ((routing as any).agentDisplay?.mode === 'alias' && (routing as any).agentDisplay?.aliasName === undefined) {
      return { values: {}, errors: [{ path: '/agentDisplay/aliasName', message: 'An alias needs a name' }] }
    }
    return { values: { ...choice.values, ...routing }, errors: [] }
  }

  const pluginGroup = core.registry.settingsGroups.get(group)!
  const base = isPlainObject(pluginGroup.defaults) ? Value.Clone(pluginGroup.defaults) : {}
  const { value, errors } = checkAgainstSchema(pluginGroup.schema, { ...base, ...values })
  if (errors.length > 0 || !isPlainObject(value)) return { values: {}, errors }
  const extra = pluginGroup.validate?.(value) ?? []
  if (extra.length > 0) return { values: {}, errors: extra.map(e => ({ path: e.path, message: e.message })) }
  return { values: value, errors: [] }
}

// A strategy id must be registered; its settings are validated against that strategy's own schema.
function validateChoice (core: Core, group: keyof typeof choiceGroups, value: Record<string, unknown>): { values: Record<string, unknown>, errors: FieldError[] } {
  const { idKey, settingsKey, label, registry } = choiceGroups[group]
  const id = value[idKey] as string | null
  if (id === null) return { values: { [idKey]: null, [settingsKey]: {} }, errors: [] }
  const strategy = registry(core).get(id)
  if (strategy === undefined) {
    return { values: {}, errors: [{ path: `/${idKey}`, message: `Unknown ${label} "${id}"` }] }
  }
  const checked = checkAgainstSchema(strategy.settingsSchema, value[settingsKey] ?? {}, `/${settingsKey}`)
  if (checked.errors.length > 0) return { values: {}, errors: checked.errors }
  return { values: { [idKey]: id, [settingsKey]: checked.value }, errors: [] }
}

/**
 * Every group of an open channel with its defaults filled in, keyed by group id: what the API
 * shows and what a settings form starts from.
 */
export function settingsWithDefaults (core: Core, channel: OpenChannelRecord): Record<string, Record<string, unknown>> {
  const stored = channel.settings ?? {}
  const out: Record<string, Record<string, unknown>> = {
    queue: { strategy: channel.queueStrategy, strategySettings: fillStrategyDefaults(core.registry.queueStrategies.get(channel.queueStrategy ?? ''), channel.queueSettings), ...readRoutingSettings(stored.queue) },
    chatbots: { chatbot: channel.chatbot, chatbotSettings: fillStrategyDefaults(core.registry.chatbots.get(channel.chatbot ?? ''), channel.chatbotSettings), ...readChatbotRules(stored.chatbotRules) },
    crmForm: { form: channel.crmForm, formSettings: fillStrategyDefaults(core.registry.crmForms.get(channel.crmForm ?? ''), channel.crmFormSettings) },
    other: { ...(isPlainObject(stored.other) ? stored.other : {}), language: channel.language }
  }
  for (const group of core.registry.settingsGroups.values()) {
    if (isCoreSettingsGroup(group.id)) continue
    const saved = stored[group.id]
    const base = isPlainObject(saved) ? saved : isPlainObject(group.defaults) ? group.defaults : {}
    const filled = Value.Default(group.schema, Value.Clone(base))
    out[group.id] = isPlainObject(filled) ? filled : {}
  }
  return out
}

function fillStrategyDefaults (strategy: { settingsSchema: TSchema } | undefined, settings: Record<string, unknown>): Record<string, unknown> {
  const base = Value.Clone(settings ?? {})
  if (strategy === undefined) return base
  const filled = Value.Default(strategy.settingsSchema, base)
  return isPlainObject(filled) ? filled : base
}
