import type { MikroORM } from '@mikro-orm/postgresql'
import type { Redis } from 'ioredis'
import type { PluginContext, Logger, Tx, HookName, HookPayloads, ChannelConnector, QueueStrategy, Chatbot, CrmAdapter, CrmForm, SettingsGroup, AuthUser, InboundMessage, IngestResult, NewMessage, MessageRecord, JobOptions } from '@openline/sdk'
import type { Config } from './config.ts'
import type { Router } from './routing/router.ts'
import type { Presence } from './routing/presence.ts'
import type { FileStorage } from './files/storage.ts'
import type { createFileSigner } from './files/signed.ts'

export type FileSigner = ReturnType<typeof createFileSigner>

/** Strategy registries, filled from plugins at boot and frozen after `setup`. */
export interface Registry {
  connectors: Map<string, ChannelConnector>
  queueStrategies: Map<string, QueueStrategy>
  chatbots: Map<string, Chatbot>
  crmAdapters: Map<string, CrmAdapter>
  crmForms: Map<string, CrmForm>
  settingsGroups: Map<string, SettingsGroup>
}

export interface HookRunner {
  run: <N extends HookName>(name: N, payload: HookPayloads[N]) => Promise<void>
  has: (name: HookName) => boolean
}

export interface JobPort {
  /** Register the processor of a named job; one queue per name. */
  register: (name: string, processor: (data: Record<string, any>, meta: { attempt: number, attempts: number, jobId: string }) => Promise<void>, options?: { concurrency?: number }) => void
  /** Add a job. Resolves once Redis took it; callers after a commit do not await it (the sweeper covers a lost add). */
  enqueue: (name: string, data: Record<string, unknown>, options?: JobOptions & { backoffMs?: number }) => Promise<void>
  /** True while Redis answers. */
  healthy: () => boolean
  /** Called after Redis comes back, so sweepers can re-enqueue what was missed. */
  onReconnect: (fn: () => void) => void
  close: () => Promise<void>
}

export interface Secrets {
  seal: (value: Record<string, unknown>) => string
  open: (sealed: string) => Record<string, unknown>
}

/**
 * The core services every module of the core receives. Plugins never see this object; they get
 * a `PluginContext` built from it.
 */
export interface Core {
  config: Config
  log: Logger
  orm: MikroORM
  registry: Registry
  hooks: HookRunner
  jobs: JobPort
  secrets: Secrets
  templates: PluginContext['templates']
  files: { storage: FileStorage, maxBytes: number, signer: FileSigner }
  /** Shared Redis connection for small keys (throttles, presence); never the only copy of data. */
  redis: Redis
  /** `name` with the configured Redis prefix. */
  redisKey: (name: string) => string
  /** The context of the plugin that provides connector `connectorId` (for its webhook path and calls). */
  pluginContextOf: (connectorId: string) => PluginContext
  /** Run `fn` in a database transaction; events/timers recorded in it take effect after commit. */
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  /** Push to GraphQL subscriptions on every instance (through Redis). */
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  /** Distribution: routing passes, answer/skip/close, offer timeouts. */
  routing: Router
  /** Which agents have a live connection (any instance). */
  presence: Presence
  ingest: (inbound: InboundMessage) => Promise<IngestResult>
  sendMessage: (message: NewMessage, tx?: Tx) => Promise<MessageRecord>
  /** Queue the delivery job of an outbox row (sends, edits, deletes); the sweeper retries if this fails. */
  enqueueDelivery: (outboxId: string) => Promise<void>
}

/** What every GraphQL resolver of the agent API finds in its context (merged into mercurius' own). */
export interface AgentGraphQLContext {
  core: Core
  user: AuthUser | null
  requireUser: () => AuthUser
  requirePermission: (permission: 'manageOpenChannels' | 'manageUsers' | 'manageRoles') => AuthUser
}
