// The plugin is a list of features (working hours, consent, later greetings, auto-close…), each
// in its own file contributing settings groups, GraphQL, event subscribers and jobs. index.ts
// composes them into one plugin definition; adding a feature is adding a file and a list entry.
import type { GraphQLExtension, HookHandlers, HookName, JobHandler, PluginContext, Resolvers, SettingsGroup, Subscriber } from '@openline/sdk'

export interface AutomationFeature {
  /** For error messages when two features collide. */
  name: string
  settingsGroups?: SettingsGroup<any>[]
  /** Staff API additions (SDL with `extend type Query { … }`). */
  agentGraphQL?: (ctx: PluginContext<any>) => GraphQLExtension
  on?: Subscriber[]
  /** Job names are shared by the whole plugin: prefix them with the feature (e.g. `greeting.send`). */
  jobs?: Record<string, JobHandler>
  /** Hooks; features naming the same hook run in feature order. */
  hooks?: HookHandlers
}

/** The GraphQL context fields plugin resolvers use (the core passes more). */
export interface ResolverContext {
  requireUser: () => unknown
}

export interface ComposedFeatures {
  settingsGroups: SettingsGroup<any>[]
  agentGraphQL: (ctx: PluginContext<any>) => GraphQLExtension
  on: Subscriber[]
  jobs: Record<string, JobHandler>
  hooks: HookHandlers
}

/** Merge features; a settings group, job or resolver defined twice is a programming error. */
export function composeFeatures (features: AutomationFeature[]): ComposedFeatures {
  const groups = new Map<string, string>()
  const jobs: Record<string, JobHandler> = {}
  for (const feature of features) {
    for (const group of feature.settingsGroups ?? []) {
      const owner = groups.get(group.id)
      if (owner !== undefined) throw new Error(`automation: settings group "${group.id}" defined by both ${owner} and ${feature.name}`)
      groups.set(group.id, feature.name)
    }
    for (const [job, handler] of Object.entries(feature.jobs ?? {})) {
      if (Object.hasOwn(jobs, job)) throw new Error(`automation: job "${job}" defined twice (${feature.name})`)
      jobs[job] = handler
    }
  }
  return {
    settingsGroups: features.flatMap(f => f.settingsGroups ?? []),
    on: features.flatMap(f => f.on ?? []),
    jobs,
    hooks: composeHooks(features),
    agentGraphQL: (ctx) => {
      const typeDefs: string[] = []
      const resolvers: Resolvers = {}
      for (const feature of features) {
        if (feature.agentGraphQL === undefined) continue
        const extension = feature.agentGraphQL(ctx)
        typeDefs.push(extension.typeDefs)
        for (const [type, fields] of Object.entries(extension.resolvers ?? {})) {
          const target = resolvers[type] ??= {}
          for (const [field, resolver] of Object.entries(fields)) {
            if (Object.hasOwn(target, field)) throw new Error(`automation: resolver ${type}.${field} defined twice (${feature.name})`)
            target[field] = resolver
          }
        }
      }
      return { typeDefs: typeDefs.join('\n'), resolvers }
    }
  }
}

/** One handler per hook name, running every feature's handler for it in order. */
function composeHooks (features: AutomationFeature[]): HookHandlers {
  const lists = new Map<HookName, ((payload: any) => void | Promise<void>)[]>()
  for (const feature of features) {
    for (const [name, fn] of Object.entries(feature.hooks ?? {}) as [HookName, (payload: any) => void | Promise<void>][]) {
      if (typeof fn === 'function') lists.set(name, [...(lists.get(name) ?? []), fn])
    }
  }
  const out: Record<string, (payload: any) => Promise<void>> = {}
  for (const [name, fns] of lists) {
    out[name] = async (payload) => { for (const fn of fns) await fn(payload) }
  }
  return out as HookHandlers
}
