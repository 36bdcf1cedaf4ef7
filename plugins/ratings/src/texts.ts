// The shipped texts (ROADMAP A5, F1): one JSON file per language in ../locales, handlebars
// templates. The open channel's language picks the file; the channel's `quality.texts` override them.
import { readFileSync } from 'node:fs'
import type { PluginContext } from '@openline/sdk'
import { textKeys, type QualitySettings, type TextKey } from './settings.ts'

export const textLanguages = ['en', 'pt-BR', 'es', 'pl', 'ru'] as const
export type TextLanguage = typeof textLanguages[number]

/** Variables every text may use; absent ones render empty (`{{#if agentName}}…{{/if}}`). */
export interface TextVars {
  clientName: string
  channelName: string
  /** As the client sees the agent (B6): profile name, the channel's alias, or empty when hidden. */
  agentName: string
}

function load (language: TextLanguage): Record<TextKey, string> {
  const raw = JSON.parse(readFileSync(new URL(`../locales/${language}.json`, import.meta.url), 'utf8')) as Record<string, unknown>
  const out = {} as Record<TextKey, string>
  for (const key of textKeys) {
    const value = raw[key]
    // A locale file without a text is a packaging bug: fail at load, not when a client answers.
    if (typeof value !== 'string' || value.trim() === '') throw new Error(`ratings: locales/${language}.json lacks "${key}"`)
    out[key] = value
  }
  return out
}

const shipped = Object.fromEntries(textLanguages.map(l => [l, load(l)])) as Record<TextLanguage, Record<TextKey, string>>

/** The shipped language of an open channel's language, English when it is not one of the five. */
export function textLanguage (language: string | null | undefined): TextLanguage {
  return textLanguages.find(l => l === language) ?? 'en'
}

export function shippedText (key: TextKey, language: TextLanguage): string {
  return shipped[language][key]
}

/** The channel's override of `key`, else the shipped text; an override that fails at run time falls back to the shipped one. */
export function renderText (ctx: Pick<PluginContext<any>, 'templates' | 'log'>, settings: QualitySettings, key: TextKey, language: TextLanguage, vars: TextVars): string {
  const override = settings.texts[key]
  if (override !== undefined) {
    try {
      return ctx.templates.render(override, vars as unknown as Record<string, unknown>)
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, key }, 'rating text failed to render; sending the shipped text')
    }
  }
  return ctx.templates.render(shippedText(key, language), vars as unknown as Record<string, unknown>)
}
