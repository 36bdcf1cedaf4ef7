// The shipped notification texts (A5): one JSON file per language in ../locales. The open channel's
// language picks the file; an admin may replace the text per open channel (`notify.text`).
// Texts are handlebars templates in which `#OPERATOR#` and `#DIALOG#` (the product's placeholders,
// ROADMAP H2) stand for `{{operator}}` and `{{dialog}}`.
import { readFileSync } from 'node:fs'

export const textLanguages = ['en', 'pt-BR', 'es', 'pl', 'ru'] as const
export type TextLanguage = typeof textLanguages[number]

export const textKeys = ['lateFirst', 'lateLater', 'minutes', 'seconds'] as const
export type TextKey = typeof textKeys[number]

function load (language: TextLanguage): Record<TextKey, string> {
  const raw = JSON.parse(readFileSync(new URL(`../locales/${language}.json`, import.meta.url), 'utf8')) as Record<string, unknown>
  const texts = {} as Record<TextKey, string>
  for (const key of textKeys) {
    const text = raw[key]
    // A broken locale file is a packaging bug: fail when the module loads, not when a timer fires.
    if (typeof text !== 'string' || text.trim() === '') throw new Error(`kpi: locales/${language}.json lacks "${key}"`)
    texts[key] = text
  }
  return texts
}

const shipped = new Map<TextLanguage, Record<TextKey, string>>(textLanguages.map(language => [language, load(language)]))

/** The shipped language for an open channel's language: exact, then by primary subtag, then English. */
export function textLanguage (language: string | null | undefined): TextLanguage {
  const wanted = (language ?? '').toLowerCase()
  return textLanguages.find(l => l.toLowerCase() === wanted) ??
    textLanguages.find(l => l.split('-')[0].toLowerCase() === wanted.split(/[-_]/)[0]) ??
    'en'
}

export function shippedText (key: TextKey, language: TextLanguage): string {
  return (shipped.get(language) as Record<TextKey, string>)[key]
}

/** The product's placeholders as handlebars variables; everything else is handlebars already. */
export function toHandlebars (source: string): string {
  return source.replaceAll('#OPERATOR#', '{{operator}}').replaceAll('#DIALOG#', '{{dialog}}')
}
