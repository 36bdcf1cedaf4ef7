import semver from 'semver'
import { Value } from '@sinclair/typebox/value'
import { OpenlineError, errorCodes, hookNames, type PluginDefinition } from '@openline/sdk'
import type { Registry } from '../core.ts'
import { isCoreSettingsGroup } from '../openChannels/settings.ts'

export interface LoadedPlugin {
  definition: PluginDefinition
  options: Record<string, unknown>
}

const namePattern = /^[a-z][a-z0-9-]{0,62}$/

function fail (code: string, message: string, fields?: { path: string, message: string }[]): never {
  throw new OpenlineError(code, message, { fields })
}

// Every key a definition may have: a misspelt one (`hook`, `subscribers`) would otherwise be ignored silently.
const definitionKeys = new Set(['name', 'version', 'core', 'dependsOn', 'optionalDependsOn', 'options', 'entities', 'migrations', 'graphql', 'provides', 'hooks', 'on', 'jobs', 'routes', 'setup', 'teardown'])

/** Per kind of `provides`: the registry it fills, its schema key and the functions it must have. */
const providedKinds = {
  channels: { registry: 'connectors', schemaKey: 'settingsSchema', functions: ['send'] },
  queueStrategies: { registry: 'queueStrategies', schemaKey: 'settingsSchema', functions: ['offer'] },
  chatbots: { registry: 'chatbots', schemaKey: 'settingsSchema', functions: ['onMessage'] },
  crmAdapters: { registry: 'crmAdapters', schemaKey: 'settingsSchema', functions: ['findClient', 'createRecord', 'saveActivity'] },
  crmForms: { registry: 'crmForms', schemaKey: 'settingsSchema', functions: ['fields', 'submit'] },
  settingsGroups: { registry: 'settingsGroups', schemaKey: 'schema', functions: [] }
} as const

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkShape (def: PluginDefinition, coreVersion: string): void {
  if (!isObject(def)) fail(errorCodes.pluginShape, 'A plugin must be an object made with definePlugin()')
  if (typeof def.name !== 'string' || !namePattern.test(def.name)) fail(errorCodes.pluginShape, `Plugin name ${JSON.stringify(def.name)} must match ${namePattern}`)
  // `core:` prefixes the core's own job names.
  if (def.name === 'core') fail(errorCodes.pluginShape, 'The plugin name "core" is reserved')
  const unknownKeys = Object.keys(def).filter(k => !definitionKeys.has(k))
  if (unknownKeys.length > 0) fail(errorCodes.pluginShape, `Plugin ${def.name} has unknown keys: ${unknownKeys.join(', ')}; allowed: ${[...definitionKeys].join(', ')}`)
  if (typeof def.version !== 'string' || semver.valid(def.version) === null) fail(errorCodes.pluginShape, `Plugin ${def.name}: version ${JSON.stringify(def.version)} is not semver`)
  if (typeof def.core !== 'string' || semver.validRange(def.core) === null) fail(errorCodes.pluginShape, `Plugin ${def.name}: core range ${JSON.stringify(def.core)} is not a semver range`)
  if (!semver.satisfies(coreVersion, def.core, { includePrerelease: true })) fail(errorCodes.pluginCoreRange, `Plugin ${def.name} needs core ${def.core}; this is ${coreVersion}`)
  for (const key of ['dependsOn', 'optionalDependsOn'] as const) {
    const deps = def[key]
    if (deps !== undefined && (!Array.isArray(deps) || !deps.every(d => typeof d === 'string'))) fail(errorCodes.pluginShape, `Plugin ${def.name}: ${key} must be an array of plugin names`)
  }
  if (def.hooks !== undefined && !isObject(def.hooks)) fail(errorCodes.pluginShape, `Plugin ${def.name}: hooks must be an object of hook handlers`)
  for (const [hook, handler] of Object.entries(def.hooks ?? {})) {
    if (!(hookNames as readonly string[]).includes(hook)) fail(errorCodes.unknownHook, `Plugin ${def.name} names unknown hook "${hook}"; known hooks: ${hookNames.join(', ')}`)
    if (typeof handler !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: hook ${hook} must be a function`)
  }
  for (const key of ['routes', 'setup', 'teardown'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: ${key} must be a function`)
  }
  if (def.on !== undefined && !Array.isArray(def.on)) fail(errorCodes.pluginShape, `Plugin ${def.name}: "on" must be an array of subscribe() entries`)
  for (const s of def.on ?? []) {
    if (typeof s?.event?.name !== 'string' || typeof s.handler !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: every "on" entry needs an event token and a handler (use subscribe())`)
  }
  if (def.jobs !== undefined && !isObject(def.jobs)) fail(errorCodes.pluginShape, `Plugin ${def.name}: jobs must be an object of job handlers`)
  for (const [job, handler] of Object.entries(def.jobs ?? {})) {
    if (typeof handler !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: job ${job} must be a function`)
  }
  if (def.graphql !== undefined && !isObject(def.graphql)) fail(errorCodes.pluginShape, `Plugin ${def.name}: graphql must be an object`)
  for (const [api, build] of Object.entries(def.graphql ?? {})) {
    if (!['agent', 'visitor'].includes(api) || typeof build !== 'function') fail(errorCodes.pluginShape, `Plugin ${def.name}: graphql.${api} must be agent or visitor, a function returning { typeDefs, resolvers }`)
  }
  if (def.provides !== undefined && !isObject(def.provides)) fail(errorCodes.pluginShape, `Plugin ${def.name}: provides must be an object`)
  for (const [kind, list] of Object.entries(def.provides ?? {})) {
    if (!Object.hasOwn(providedKinds, kind)) fail(errorCodes.pluginShape, `Plugin ${def.name}: provides.${kind} is unknown; allowed: ${Object.keys(providedKinds).join(', ')}`)
    if (list !== undefined && !Array.isArray(list)) fail(errorCodes.pluginShape, `Plugin ${def.name}: provides.${kind} must be an array`)
  }
  for (const key of ['entities', 'migrations'] as const) {
    if (def[key] !== undefined && !Array.isArray(def[key])) fail(errorCodes.pluginShape, `Plugin ${def.name}: ${key} must be an array`)
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
    // Used when loaded (set up first), fine when absent.
    for (const dep of plugin.definition.optionalDependsOn ?? []) {
      if (byName.has(dep)) visit(dep, [...path, name])
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
  for (const { definition } of plugins) {
    for (const [from, { registry: to, schemaKey, functions }] of Object.entries(providedKinds)) {
      for (const item of (definition.provides?.[from as keyof typeof providedKinds] ?? []) as unknown[]) {
        if (!isObject(item) || typeof item.id !== 'string' || item.id === '') fail(errorCodes.pluginShape, `Plugin ${definition.name}: every ${from} entry needs an id`)
        const id = item.id as string
        if (!isObject(item[schemaKey])) fail(errorCodes.pluginShape, `Plugin ${definition.name}: ${from} "${id}" needs a ${schemaKey} (a TypeBox schema)`)
        for (const fn of functions) {
          if (typeof item[fn] !== 'function') fail(errorCodes.pluginShape, `Plugin ${definition.name}: ${from} "${id}" needs a function ${fn}`)
        }
        // The core's own settings groups (queue, chatbots, crmForm, other) cannot be shadowed.
        if (from === 'settingsGroups' && isCoreSettingsGroup(id)) fail(errorCodes.duplicateStrategy, `settingsGroups id "${id}" belongs to the core; plugin ${definition.name} cannot provide it`)
        const map = registry[to] as Map<string, unknown>
        if (map.has(id)) fail(errorCodes.duplicateStrategy, `${from} id "${id}" is provided by both ${registry.owner.get(`${to}:${id}`)} and ${definition.name}`)
        map.set(id, item)
        registry.owner.set(`${to}:${id}`, definition.name)
      }
    }
  }
  return registry
}
