import type { HookName, HookPayloads, HookHandlers, Logger } from '@openline/sdk'
import type { HookRunner } from './core.ts'

const slowHookMs = 200

/** Hooks run in plugin dependency order; a throw cancels the guarded action. */
export function createHookRunner (plugins: { name: string, hooks?: HookHandlers }[], log: Logger): HookRunner {
  const byName = new Map<HookName, { plugin: string, fn: (payload: any) => unknown }[]>()
  for (const plugin of plugins) {
    for (const [name, fn] of Object.entries(plugin.hooks ?? {})) {
      if (typeof fn !== 'function') continue
      const list = byName.get(name as HookName) ?? []
      list.push({ plugin: plugin.name, fn })
      byName.set(name as HookName, list)
    }
  }
  return {
    has: (name) => (byName.get(name)?.length ?? 0) > 0,
    async run<N extends HookName> (name: N, payload: HookPayloads[N]): Promise<void> {
      const list = byName.get(name)
      if (list === undefined) return
      for (const { plugin, fn } of list) {
        const started = performance.now()
        await fn(payload)
        const took = performance.now() - started
        if (took > slowHookMs) log.warn({ hook: name, plugin, ms: Math.round(took) }, 'slow hook')
      }
    }
  }
}
