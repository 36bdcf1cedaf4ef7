// What the plugin needs where the core hands it no context: settings validation (`validate` gets
// only the values) checks templates with the core's engine. `setup` stores the context here; all
// apps of one process load the same module, so the last one set wins (template checking is the
// same in every app, and tests of one process share one set of options).
import type { FieldError, PluginContext } from '@openline/sdk'

/** The plugin's options (see `ratingsOptions` in index.ts). */
export interface RatingsOptions {
  /** Milliseconds in a settings minute (the rating time limit); tests shorten it. */
  minuteMs: number
}

export const defaultMinuteMs = 60_000

let current: PluginContext<any> | null = null

export function setRuntime (ctx: PluginContext<any>): void {
  current = ctx
}

/** Milliseconds per settings minute of this context's options. */
export function minuteMsOf (ctx: Pick<PluginContext<any>, 'options'>): number {
  const value = (ctx.options as Partial<RatingsOptions> | undefined)?.minuteMs
  return typeof value === 'number' && value > 0 ? value : defaultMinuteMs
}

/** Field errors of an overridable text: blank, or a handlebars syntax error (once an app set the plugin up). */
export function checkTemplate (source: string | undefined, path: string): FieldError[] {
  if (source === undefined) return []
  if (source.trim() === '') return [{ path, message: 'Must not be blank; omit it for the shipped text' }]
  const error = current?.templates.check(source, path) ?? null
  return error === null ? [] : [error]
}
