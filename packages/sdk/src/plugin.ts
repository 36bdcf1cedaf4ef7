import type { TSchema, Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { HookHandlers } from './hooks.ts'
import type { EventToken } from './events.ts'
import type { PluginContext, Tx } from './context.ts'
import type { ChannelConnector } from './connectors.ts'
import type { Chatbot, CrmAdapter, CrmForm, QueueStrategy, SettingsGroup } from './strategies.ts'
import type { Id } from './records.ts'

/** The signed-in staff member a GraphQL request acts for. */
export interface AuthUser {
  id: Id
  name: string
  email: string
  roleId: Id
  departmentIds: Id[]
  permissions: Permissions
}

export type HistoryScope = 'own' | 'department' | 'all'

/** What a role allows (J1). Custom roles combine these freely. */
export interface Permissions {
  manageOpenChannels: boolean
  manageUsers: boolean
  manageRoles: boolean
  viewHistory: HistoryScope
}

/** GraphQL context of the agent API. */
export interface AgentContext {
  user: AuthUser | null
  /** The signed-in user, or an OL_UNAUTHENTICATED error. */
  requireUser: () => AuthUser
  /** The signed-in user holding `permission`, or an OL_FORBIDDEN error. */
  requirePermission: (permission: 'manageOpenChannels' | 'manageUsers' | 'manageRoles') => AuthUser
}

/**
 * GraphQL context of the visitor API (`/visitor/graphql`). There is no signed-in user: a plugin
 * (the web-chat widget) resolves the visitor from its own unguessable `token`.
 */
export interface VisitorContext {
  visitor: { token: string | null, ip: string | null, origin: string | null }
}

// Resolver maps are typed loosely on purpose: mercurius checks them against the SDL at boot.
export type Resolvers = Record<string, Record<string, unknown>>

export interface GraphQLExtension {
  /** SDL; extend core types with `extend type Query { … }`. */
  typeDefs: string
  resolvers?: Resolvers
}

export interface Subscriber<P = any> {
  event: EventToken<P>
  /** Idempotent: may run more than once for the same event after a crash; runs once per commit of `tx`. */
  handler: (payload: P, tx: Tx, ctx: PluginContext) => Promise<void>
}

/** Subscribe to an event with its payload typed. */
export function subscribe<P> (event: EventToken<P>, handler: Subscriber<P>['handler']): Subscriber<P> {
  return { event, handler }
}

export type JobHandler = (data: Record<string, unknown>, ctx: PluginContext, tx: Tx) => Promise<void>

/** A plugin migration: plain SQL, run once, in order, after the core's. Tables are prefixed with the plugin's name. */
export interface PluginMigration {
  name: string
  up: string[]
  down?: string[]
}

export interface PluginDefinition<O extends TSchema = TSchema> {
  /** Unique, e.g. `channel-telegram`. Routes live under `/plugins/<name>/`. */
  name: string
  version: string
  /** Semver range of @openline/core this plugin works with. */
  core: string
  /** Plugins that must be loaded, and set up before this one. */
  dependsOn?: string[]
  /** Plugins this one uses when they are loaded (set up before it) and does without otherwise. */
  optionalDependsOn?: string[]
  /** JSON schema of the plugin's options, validated at boot. */
  options?: O
  /** MikroORM entity schemas (`defineEntity`) of the plugin's own tables. */
  entities?: unknown[]
  migrations?: PluginMigration[]
  graphql?: {
    /** Staff API at `/graphql`. Resolvers receive `AgentContext` merged into mercurius' context. */
    agent?: (ctx: PluginContext<Static<O>>) => GraphQLExtension
    /** Visitor API at `/visitor/graphql` (widget): a separate schema that cannot express internal data; resolvers receive `VisitorContext`. */
    visitor?: (ctx: PluginContext<Static<O>>) => GraphQLExtension
  }
  provides?: {
    channels?: ChannelConnector<any>[]
    queueStrategies?: QueueStrategy<any>[]
    chatbots?: Chatbot<any>[]
    crmAdapters?: CrmAdapter<any>[]
    crmForms?: CrmForm<any>[]
    settingsGroups?: SettingsGroup<any>[]
  }
  hooks?: HookHandlers
  on?: Subscriber[]
  /** Named job processors; names are local to the plugin. */
  jobs?: Record<string, JobHandler>
  /** Webhooks and assets, registered encapsulated under `/plugins/<name>/`. */
  routes?: (app: FastifyInstance, ctx: PluginContext<Static<O>>) => void | Promise<void>
  setup?: (ctx: PluginContext<Static<O>>) => void | Promise<void>
  teardown?: (ctx: PluginContext<Static<O>>) => void | Promise<void>
}

/**
 * Define a plugin. Returns its argument unchanged: it exists for type inference.
 * @example
 * export default definePlugin({
 *   name: 'hello', version: '1.0.0', core: '^0.1.0',
 *   options: Type.Object({ greeting: Type.String({ default: 'Hi' }) }),
 *   on: [subscribe(coreEvents.conversationOpened, async ({ conversationId }, tx, ctx) => {
 *     await ctx.sendMessage({ conversationId, body: ctx.options.greeting, authorKind: 'system' }, tx)
 *   })]
 * })
 */
export function definePlugin<O extends TSchema = TSchema> (definition: PluginDefinition<O>): PluginDefinition<O> {
  return definition
}
