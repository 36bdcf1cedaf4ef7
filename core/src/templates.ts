import Handlebars from 'handlebars'
import type { FieldError } from '@openline/sdk'

const maxCached = 1000

/**
 * Handlebars for automatic texts (greetings, auto-replies, KPI notifications). Messages are plain
 * text, so nothing is HTML-escaped here; every renderer of HTML (console, widget) escapes on output.
 */
export function createTemplates (): { render: (source: string, vars: Record<string, unknown>) => string, check: (source: string, path: string) => FieldError | null } {
  const hbs = Handlebars.create()
  const cache = new Map<string, HandlebarsTemplateDelegate>()
  const compile = (source: string): HandlebarsTemplateDelegate => {
    let template = cache.get(source)
    if (template === undefined) {
      template = hbs.compile(source, { noEscape: true, strict: false, knownHelpersOnly: true })
      if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string)
      cache.set(source, template)
    }
    return template
  }
  return {
    render: (source, vars) => compile(source)(vars, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }),
    check (source, path) {
      try {
        hbs.precompile(source, { knownHelpersOnly: true })
        return null
      } catch (err) {
        return { path, message: `Template error: ${(err as Error).message.split('\n')[0]}` }
      }
    }
  }
}
