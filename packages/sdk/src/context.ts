import type { EntityManager } from '@mikro-orm/core'
import type { FastifyBaseLogger } from 'fastify'
import type { EventToken } from './events.ts'
import type { InboundMessage, IngestResult, ChannelConnector } from './connectors.ts'
import type { Chatbot, CrmAdapter, CrmForm, QueueStrategy, SettingsGroup } from './strategies.ts'
import type { AuthorKind, Id, MessageRecord, Visibility, Attachment, ChannelConnectionRecord, ConversationRecord, OpenChannelRecord } from './records.ts'
import type { FieldError } from './errors.ts'
import type { AuthUser } from './plugin.ts'

export type Logger = FastifyBaseLogger

/** A durable deadline: stored as a row, triggered by a delayed job, fired exactly once. */
export interface TimerSpec {
  /** The plugin job to run when the timer fires (a key of the plugin's `jobs`). */
  job: string
  /** Replaces any pending timer with the same key (e.g. `autoclose:<conversationId>`). */
  key: string
  dueAt: Date
  data?: Record<string, unknown>
  conversationId?: Id
}

/**
 * A database transaction. Events emitted and timers scheduled through it exist only if it
 * commits; events are dispatched after commit.
 */
export interface Tx {
  /** MikroORM entity manager bound to this transaction. */
  em: EntityManager
  /** Raw SQL in this transaction with `?` placeholders (pass every value as a parameter: a literal `?` in the text counts as one); returns rows. */
  query: <Row = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<Row[]>
  /** Record an event; subscribers run after commit, each as its own durable job. */
  emit: <P>(event: EventToken<P>, payload: P) => void
  /** Schedule (or replace, by key) a durable timer. */
  schedule: (timer: TimerSpec) => Promise<Id>
  /** Cancel pending timers by key; returns how many. */
  cancelTimers: (key: string) => Promise<number>
  /** Run after a successful commit (subscription pushes, cache drops). Errors are logged. */
  afterCommit: (fn: () => void | Promise<void>) => void
}

export interface NewMessage {
  conversationId: Id
  body: string
  authorKind: Exclude<AuthorKind, 'client'>
  authorUserId?: Id | null
  visibility?: Visibility
  attachments?: Attachment[]
  quoteMessageId?: Id | null
  /** Provider-specific data for the connector (buttons, templates). */
  meta?: Record<string, unknown>
}

export interface JobOptions {
  /** De-duplicates: a job with the same id is not added twice. */
  jobId?: string
  delayMs?: number
  attempts?: number
}

/**
 * What every plugin function receives. No Fastify decorators, no container: a plain object.
 */
export interface PluginContext<Options = unknown> {
  pluginName: string
  options: Options
  log: Logger
  config: { publicUrl: string, environment: string }
  /** Run `fn` in a transaction; events and timers recorded in it apply only on commit. */
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  /** A fresh entity manager for reads outside a transaction. */
  em: () => EntityManager
  /** Store an inbound message (de-duplicated) and commit it; call before answering a webhook. */
  ingest: (inbound: InboundMessage) => Promise<IngestResult>
  /** Store an outgoing message and queue its delivery, in `tx` when given. */
  sendMessage: (message: NewMessage, tx?: Tx) => Promise<MessageRecord>
  jobs: { enqueue: (job: string, data: Record<string, unknown>, options?: JobOptions) => Promise<void> }
  /**
   * Connections of this plugin's connectors with their opened secrets, for webhook signature checks.
   * Cached for a second or two; `ingest` itself re-checks that the connection is still connected.
   */
  connections: {
    get: (id: Id) => Promise<(ChannelConnectionRecord & { secrets: Record<string, unknown> }) | null>
    find: (connector: string, externalAccountId: string) => Promise<(ChannelConnectionRecord & { secrets: Record<string, unknown> }) | null>
  }
  conversations: {
    get: (id: Id, tx?: Tx) => Promise<ConversationRecord | null>
    /** Close (E6–E8): runs `conversation.beforeClose` (which may hold it in `closing`), frees capacity. */
    /** Close now. A conversation held after close (`closing`, E7) is closed for good at once (e.g. the client rated it). */
    close: (id: Id, options: { reason: string, byUserId?: Id | null }, tx?: Tx) => Promise<ConversationRecord>
    /**
     * The conversation if `user` may see it (their history scope, J1), else an OL_NOT_FOUND error:
     * staff-facing plugin resolvers call it before reading or acting on a conversation.
     */
    visibleTo: (user: AuthUser, id: Id) => Promise<ConversationRecord>
    /**
     * The conversation as the client saw it: public, not deleted messages, oldest first, one line each
     * (`[time] author: text`, mentions as plain names). Internal notes are never included — for CRM
     * activities (I5), outgoing integrations and transcripts sent to clients.
     */
    transcript: (id: Id, tx?: Tx) => Promise<string>
  }
  /** An open channel with every settings group filled with its defaults (plugin groups included). */
  openChannel: (id: Id, tx?: Tx) => Promise<(OpenChannelRecord & { groups: Record<string, Record<string, unknown>> }) | null>
  /** Handlebars templates for automatic texts: plain text out (no HTML escaping); check syntax when saving. */
  templates: {
    render: (source: string, vars: Record<string, unknown>) => string
    check: (source: string, path: string) => FieldError | null
  }
  /** E10: tell agents the client is typing, with a live preview where the channel sends one. */
  typing: (conversationId: Id, preview?: string) => Promise<void>
  messages: {
    /** A message by id, internal ones included: check the conversation with `conversations.visibleTo` before showing it to staff. */
    get: (id: Id, tx?: Tx) => Promise<MessageRecord | null>
    /**
     * A provider's receipt for an outgoing message (delivered, read, failed), found by the external id
     * `send` returned. Statuses only move forward (sent → delivered → read); `failed` only before delivery.
     * Returns false when nothing changed.
     */
    setDeliveryStatus: (input: { connectionId: Id, externalMessageId: string, status: 'delivered' | 'read' | 'failed', error?: string }) => Promise<boolean>
    /**
     * A read receipt by watermark (Messenger, WhatsApp): every outgoing message to this client on this
     * connection sent up to `until` is read. Returns how many changed.
     */
    setReadUntil: (input: { connectionId: Id, externalUserId: string, until: Date }) => Promise<number>
  }
  /** Attachment bytes: fetched safely, kept in the configured storage. */
  files: {
    maxBytes: number
    /** Keep bytes (an attachment fetched from the provider); `storageKey` goes into the message's attachment. */
    store: (data: Buffer) => Promise<{ storageKey: string, size: number }>
    /**
     * Fetch a media file a provider's payload links to and keep it. Only the configured API origin
     * (trusted) or one of the provider's `mediaHosts` (through the SSRF guard) are fetched. Never
     * throws: null when refused or failed — store the message without the bytes, never lose it.
     */
    keepMedia: (url: string, policy: { apiBaseUrl: string, mediaHosts: string[], timeoutMs?: number }) => Promise<{ storageKey: string, size: number, mimeType?: string } | null>
    /** The bytes of a stored file (an agent's upload to send on). */
    read: (storageKey: string) => Promise<Buffer>
    /**
     * Fetch with the SSRF guard: http(s) only, no redirects, at most `maxBytes`, and only public
     * addresses unless the URL's origin is in `trustedOrigins` (the provider API base an admin configured).
     */
    fetch: (url: string, options?: { trustedOrigins?: string[], headers?: Record<string, string>, method?: string, body?: string, maxBytes?: number, timeoutMs?: number }) => Promise<{ status: number, headers: Headers, data: Buffer }>
    /**
     * A short-lived absolute download link to a stored file (default 15 minutes). Whoever holds it can
     * download until it expires: hand it only to someone allowed to see the message. Served with
     * `nosniff`, a sandboxing CSP and, for active types (HTML, SVG, XML, scripts), `Content-Disposition: attachment`.
     */
    signedUrl: (file: { storageKey: string, name?: string, mimeType?: string }, options?: { ttlSec?: number }) => string
  }
  /**
   * A fixed-window counter shared by every instance (Redis), e.g. conversations started per IP.
   * Fails open when Redis is down (returns allowed): a limit must never stop accepted traffic.
   */
  rateLimit: (key: string, limit: { max: number, windowSec: number }) => Promise<{ allowed: boolean, retryAfterSec: number }>
  /**
   * Seal small secret values a plugin stores itself (signing secrets, API keys) with the deployment's
   * key (AES-256-GCM, like connector secrets); `open` throws OL_SECRETS_INVALID on a tampered value.
   */
  secrets: { seal: (value: Record<string, unknown>) => string, open: (sealed: string) => Record<string, unknown> }
  /** Staff sign-in for a plugin's own routes (an .ics download, an export): the user behind an `Authorization: Bearer` header, or null. */
  auth: { authenticate: (authorization: string | undefined) => Promise<AuthUser | null> }
  /** Push to GraphQL subscriptions on every instance. */
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  registry: {
    connector: (id: string) => ChannelConnector | undefined
    queueStrategy: (id: string) => QueueStrategy | undefined
    chatbot: (id: string) => Chatbot | undefined
    crmAdapter: (id: string) => CrmAdapter | undefined
    crmForm: (id: string) => CrmForm | undefined
    settingsGroup: (id: string) => SettingsGroup | undefined
  }
}
