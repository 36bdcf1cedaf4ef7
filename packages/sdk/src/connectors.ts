import type { TSchema, Static } from '@sinclair/typebox'
import type { Attachment, ChannelConnectionRecord, Id } from './records.ts'
import type { PluginContext } from './context.ts'

/** A message as a connector hands it to the core after verifying and parsing a webhook. */
export interface InboundMessage {
  /** Connector id (e.g. `telegram`); with `externalAccountId` it names the connection. */
  connector: string
  /** The provider account the message was sent to (bot id, page id, phone number id, widget key). */
  externalAccountId: string
  /** The provider's id of the sender; one client identity per connection and sender. */
  externalUserId: string
  /** The provider's id of the chat, when it differs from the sender. */
  externalChatId?: string
  /** The provider's message id, unique within the connection (prefix it with the chat id where the provider numbers per chat); de-duplicates retries. */
  externalMessageId: string
  /** When the provider says it was sent; orders out-of-order deliveries. */
  sentAt?: Date
  text?: string
  attachments?: Attachment[]
  /** The provider's id of the quoted message, when any. */
  quoteExternalId?: string
  client?: { name?: string, username?: string, avatarUrl?: string, phone?: string, email?: string, locale?: string }
  /** Provider-specific extra data kept on the message (`meta`). */
  meta?: Record<string, unknown>
}

export interface IngestResult {
  messageId: Id
  conversationId: Id
  clientId: Id
  /** True when this external message id was already stored: nothing new was written. */
  duplicate: boolean
  conversationOpened: boolean
  /** The open channel the message landed in (absent for duplicates). */
  openChannelId?: Id
}

/** What the delivery worker hands to `connector.send`. */
export interface OutboundDelivery {
  /** Outbox row id: stable across retries; pass it to providers that accept idempotency keys. */
  idempotencyKey: string
  attempt: number
  connection: ChannelConnectionRecord & { secrets: Record<string, unknown> }
  conversationId: Id
  messageId: Id
  /** The recipient as the provider knows them. */
  externalUserId: string
  externalChatId: string | null
  body: string
  attachments: Attachment[]
  senderName: string | null
  senderAvatarUrl: string | null
  quoteExternalId: string | null
  /** Provider-specific data attached by plugins (buttons, templates). */
  meta: Record<string, unknown>
}

export interface SendResult {
  /** The provider's id of the sent message, stored as the message's external id. */
  externalMessageId?: string
}

/** Thrown by `connector.send` to tell the delivery worker what to do next. */
export class DeliveryError extends Error {
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  /** The recipient can no longer be reached (blocked the bot): stop retrying for this client. */
  readonly undeliverable: boolean
  constructor (message: string, options: { retryable: boolean, retryAfterMs?: number, undeliverable?: boolean, cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = 'DeliveryError'
    this.retryable = options.retryable
    this.retryAfterMs = options.retryAfterMs
    this.undeliverable = options.undeliverable ?? false
  }
}

export interface ConnectorCapabilities {
  typing: boolean
  edits: boolean
  deletes: boolean
  attachments: boolean
  buttons: boolean
}

/**
 * A channel connector: one per provider (Telegram, Meta, Viber, web chat…). Webhooks are the
 * plugin's own `routes`; they verify the provider's signature and call `ctx.ingest`.
 * @example
 * const telegram: ChannelConnector<typeof settings> = {
 *   id: 'telegram', title: 'Telegram', settingsSchema: settings, secretFields: ['token'],
 *   capabilities: { typing: true, edits: true, deletes: true, attachments: true, buttons: true },
 *   async connect ({ settings }) { return { externalAccountId: await getMe(settings.token) } },
 *   async send (delivery) { return { externalMessageId: await sendMessage(delivery) } }
 * }
 */
export interface ChannelConnector<S extends TSchema = TSchema> {
  id: string
  title: string
  /** Settings (tokens, secrets, API base URL) validated when a connection is made. */
  settingsSchema: S
  /** Names of settings fields that are secrets: stored encrypted, never returned by the API. */
  secretFields?: string[]
  capabilities: ConnectorCapabilities
  /**
   * Called when an admin connects an account: register the webhook at the provider and return
   * the provider's account id when the settings did not name it.
   */
  connect?: (input: { settings: Static<S>, externalAccountId: string | null, webhookUrl: string, connectionId: Id }, ctx: PluginContext) => Promise<{ externalAccountId?: string, settings?: Partial<Static<S>> }>
  /** Called on disconnect: remove the webhook at the provider. */
  disconnect?: (input: { settings: Static<S>, externalAccountId: string, connectionId: Id }, ctx: PluginContext) => Promise<void>
  /** Show "typing…" to the client while an agent writes (when `capabilities.typing`). Best effort. */
  typing?: (input: { connection: ChannelConnectionRecord & { secrets: Record<string, unknown> }, externalUserId: string, externalChatId: string | null }, ctx: PluginContext) => Promise<void>
  /** Deliver one message. Throw `DeliveryError` to steer retries. */
  send: (delivery: OutboundDelivery, ctx: PluginContext) => Promise<SendResult>
  /**
   * An agent edited a message the client already has (when `capabilities.edits`): replace its text
   * at the provider. Goes through the outbox like `send` (retries, `DeliveryError`).
   */
  edit?: (delivery: OutboundDelivery & { externalMessageId: string }, ctx: PluginContext) => Promise<void>
  /** An agent deleted a message the client already has (when `capabilities.deletes`): withdraw it at the provider. */
  remove?: (delivery: OutboundDelivery & { externalMessageId: string }, ctx: PluginContext) => Promise<void>
}
