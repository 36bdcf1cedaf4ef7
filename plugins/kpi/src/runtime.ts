// What the plugin needs where the core passes no context: settings validation (`SettingsGroup.validate`
// gets only the values) checks templates with the core's engine. `setup` stores the context here;
// every app in a process loads the same module, so the last one set up wins (one set of options
// per test process, as in the automation plugin).
import type { PluginContext } from '@openline/sdk'

/** The plugin's options (`options` schema in index.ts). */
export interface KpiOptions {
  /** Milliseconds in a settings minute: targets (in seconds) run `targetSec × minuteMs / 60` ms. Tests shorten it. */
  minuteMs: number
}

export const defaultMinuteMs = 60_000

let current: PluginContext<any> | null = null

export function setRuntime (ctx: PluginContext<any>): void {
  current = ctx
}

export function runtime (): PluginContext<any> | null {
  return current
}

/** How long a target of `targetSec` lasts in real milliseconds under `ctx`'s options. */
export function targetMs (ctx: Pick<PluginContext<any>, 'options'> | null, targetSec: number): number {
  const value = (ctx?.options as Partial<KpiOptions> | undefined)?.minuteMs
  const minuteMs = typeof value === 'number' && value > 0 ? value : defaultMinuteMs
  return targetSec * minuteMs / 60
}
