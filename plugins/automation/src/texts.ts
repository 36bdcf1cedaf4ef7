// The shipped automatic texts (ROADMAP A5, item 11 of issue #3): one JSON file per language in
// ../locales, handlebars templates rendered with `ctx.templates.render`. An open channel's
// language picks the file; each text can be overridden per open channel in its settings group.
import { readFileSync } from 'node:fs'

export const textLanguages = ['en', 'pt-BR', 'es', 'pl', 'ru'] as const
export type TextLanguage = typeof textLanguages[number]

export const textKeys = ['greeting', 'outOfHours', 'waiting', 'noAgents', 'noAnswer', 'closing', 'autoClose', 'consentNotice'] as const
export type TextKey = typeof textKeys[number]

/** Variables every text may use; absent ones render empty (`{{#if clientName}}…{{/if}}`). */
export interface TextVars {
  clientName: string
  channelName: string
  /** As the client sees the agent (B6): profile name, the channel's alias, or empty when hidden or unassigned. */
  agentName: string
  /** `describeHours` of the channel's working hours in its language; empty when working hours are off. */
  workingHours: string
  /** 1 = next to be assigned; null unless the conversation waits in the queue. */
  queuePosition: number | null
  /** The consent settings' text version. */
  textVersion: string
}

function load (language: TextLanguage): Record<TextKey, string> {
  const raw = JSON.parse(readFileSync(new URL(`../locales/${language}.json`, import.meta.url), 'utf8')) as Record<string, unknown>
  const out = {} as Record<TextKey, string>
  for (const key of textKeys) {
    const text = raw[key]
    // A broken locale file is a packaging bug: fail at load, not when a client writes.
    if (typeof text !== 'string' || text.trim() === '') throw new Error(`automation: locales/${language}.json lacks "${key}"`)
    out[key] = text
  }
  return out
}

const shipped: Record<TextLanguage, Record<TextKey, string>> = Object.fromEntries(textLanguages.map(l => [l, load(l)])) as Record<TextLanguage, Record<TextKey, string>>

/** The shipped language for an open channel's language: exact, else by primary subtag (`pt` → `pt-BR`), else English. */
export function pickLanguage (language: string | null | undefined): TextLanguage {
  if (typeof language !== 'string') return 'en'
  const exact = textLanguages.find(l => l.toLowerCase() === language.toLowerCase())
  if (exact !== undefined) return exact
  const primary = language.split(/[-_]/)[0].toLowerCase()
  return textLanguages.find(l => l.split('-')[0].toLowerCase() === primary) ?? 'en'
}

/** The shipped template of `key` in `language`. */
export function shippedText (key: TextKey, language: TextLanguage): string {
  return shipped[language][key]
}
