import semver from 'semver'
import { Value } from '@sinclair/typebox/value'
import { OpenlineError, errorCodes, hookNames, type PluginDefinition } from '@openline/sdk'
import type { Registry } from '../core.ts'

export interface LoadedPlugin {
  definition: PluginDefinition
  options: Record<string, unknown>
}

const namePattern = /^[a-z][a-z0-9-]{0,62}$/

function fail (code: string, message: string, fields?: { path: string, message: string }[]): never {
  throw new OpenlineError(code, message, { fields })
}

function checkShape (def: PluginDefinition, coreVersion: string): void {
  if (typeof def !== 'object' || def === null) fail(errorCodes.pluginShape, 'A plugin must be an object made with definePlugin()')
  if (typeof def.name !== 'string' || !namePattern.test(def.name)) fail(errorCodes.pluginShape, `Plugin name ${JSON.stringify(def.name)} must match ${namePattern}`)
  if (semver.valid(def.version) === null) fail(errorCodes.pluginShape, `Plugin ${def.name}: version ${JSON.stringify(def.version)} is not semver`)
  if (typeof def.core !== 'string' || semver.validRange(def.core) === null) fail(errorCodes.pluginShape, `Plugin ${def.name}: core range ${JSON.stringify(def.core)} is not a semver range`)
  if (!semver.satisfies(coreVersion, def.core, { includePrerelease: true })) fail(errorCodes.pluginCoreRange, `Plugin ${def.name} needs core ${def.core}; this is ${coreVersion}`)
  for (const hook of Object.keys(def.hooks ?? {})) {
    if (!(hookNames as readonly string[]).includes(hook)) fail(errorCodes.unknownHook, `Plugin ${def.name} names unknown hook "${hook}"; known hooks: ${hookNames.join(', ')}`)
  }
  for (const key of ['routes', 'setup', 'teardown'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: ${key} must be a function`)
  }
  for (const s of def.on ?? []) {
    if (typeof s?.event?.name !== 'string' || typeof s.handler !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: every "on" entry needs an event token and a handler (use subscribe())`)
  }
}

function checkOptions (def: PluginDefinition, raw: unknown): Record<string, unknown> {
  if (def.options === undefined) return {}
  const value = Value.Default(def.options, structuredClone(raw ?? {}))
  const errors = [...Value.Errors(def.options, value)].map(e => ({ path: e.path || '/', message: e.message }))
  if (errors.length > 0) fail(errorCodes.pluginOptions, `Plugin ${def.name} options are invalid: ${errors.map(e => `${e.path} ${e.message}`).join('; ')}`, errors)
  return value as Record<string, unknown>
}

/** Validate every plugin and order them so each comes after what it depends on. */
export function orderPlugins (input: { definition: PluginDefinition, options?: unknown }[], coreVersion: string): LoadedPlugin[] {
  const byName = new Map<string, LoadedPlugin>()
  for (const { definition, options } of input) {
    checkShape(definition, coreVersion)
    if (byName.has(definition.name)) fail(errorCodes.pluginDuplicate, `Plugin ${definition.name} is listed twice`)
    byName.set(definition.name, { definition, options: checkOptions(definition, options) })
  }
  const ordered: LoadedPlugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  function visit (name: string, path: string[]): void {
    const s = state.get(name)
    if (s === 'done') return
    if (s === 'visiting') fail(errorCodes.pluginCyclicDependency, `Plugins depend on each other in a cycle: ${[...path, name].join(' -> ')}`)
    state.set(name, 'visiting')
    const plugin = byName.get(name) as LoadedPlugin
    for (const dep of plugin.definition.dependsOn ?? []) {
      if (!byName.has(dep)) fail(errorCodes.pluginMissingDependency, `Plugin ${name} depends on ${dep}, which is not loaded`)
      visit(dep, [...path, name])
    }
    state.set(name, 'done')
    ordered.push(plugin)
  }
  for (const name of byName.keys()) visit(name, [])
  return ordered
}

/** Collect strategies from every plugin; an id used twice in one kind fails boot. */
export function collectRegistry (plugins: LoadedPlugin[]): Registry & { owner: Map<string, string> } {
  const registry = {
    connectors: new Map(), queueStrategies: new Map(), chatbots: new Map(), crmAdapters: new Map(), crmForms: new Map(), settingsGroups: new Map(),
    owner: new Map<string, string>()
  }
  const kinds = [
    ['channels', 'connectors'], ['queueStrategies', 'queueStrategies'], ['chatbots', 'chatbots'],
    ['crmAdapters', 'crmAdapters'], ['crmForms', 'crmForms'], ['settingsGroups', 'settingsGroups']
  ] as const
  for (const { definition } of plugins) {
    for (const [from, to] of kinds) {
      for (const item of (definition.provides?.[from] ?? []) as { id: string }[]) {
        if (typeof item?.id !== 'string' || item.id === '') fail(errorCodes.pluginShape, `Plugin ${definition.name}: every ${from} entry needs an id`)
        const map = registry[to] as Map<string, unknown>
        if (map.has(item.id)) fail(errorCodes.duplicateStrategy, `${from} id "${item.id}" is provided by both ${registry.owner.get(`${to}:${item.id}`)} and ${definition.name}`)
        map.set(item.id, item)
        registry.owner.set(`${to}:${item.id}`, definition.name)
      }
    }
  }
  return registry
}
