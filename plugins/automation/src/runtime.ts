// What the plugin needs outside the functions the core calls with a context: settings
// validation (`SettingsGroup.validate` gets only the values) and hooks (only the payload).
// `setup` stores the context here. Every app in a process loads the same plugin module, so the
// last one set wins: template checking is the same everywhere, and tests of one process run
// with one set of options.
import type { FieldError, PluginContext } from '@openline/sdk'

/** The plugin's options (`options` schema in index.ts). */
export interface AutomationOptions {
  /** Length of a "minute" of the settings in milliseconds (tests shorten it); also scales `holdAfterCloseSec`. */
  minuteMs: number
}

export const defaultMinuteMs = 60_000

let current: PluginContext<any> | null = null

export function setRuntime (ctx: PluginContext<any>): void {
  current = ctx
}

/** The context `setup` stored, or null before any app set the plugin up. */
export function runtime (): PluginContext<any> | null {
  return current
}

/** Milliseconds per settings minute for this context (its options). */
export function minuteMsOf (ctx: Pick<PluginContext<any>, 'options'> | null): number {
  const value = (ctx?.options as Partial<AutomationOptions> | undefined)?.minuteMs
  return typeof value === 'number' && value > 0 ? value : defaultMinuteMs
}

export const maxTextLength = 2000

/**
 * Field errors of an overridable text: blank, or a handlebars syntax error (checked with the
 * core's template engine; before any app was set up only the blank check runs).
 */
export function checkTemplate (source: string | undefined, path: string): FieldError[] {
  if (source === undefined) return []
  if (source.trim() === '') return [{ path, message: 'Must not be blank; omit it for the default text' }]
  const error = current?.templates.check(source, path) ?? null
  return error === null ? [] : [error]
}
