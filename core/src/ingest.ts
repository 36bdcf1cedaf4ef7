import { OpenlineError, errorCodes, type InboundMessage, type IngestResult, type Logger, type Tx } from '@openline/sdk'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { HookRunner } from './core.ts'
import type { EventDispatcher } from './events.ts'
import { topics } from './topics.ts'
import { toConversationRecord, conversationColumns } from './records.ts'
import { toOpenChannelRecord, type OpenChannelRow } from './openChannels/openChannels.ts'

const maxTextLength = 65_536
const maxAttachments = 20
const maxIdLength = 255

/** PostgreSQL text cannot hold NUL or lone surrogates: refuse them here (400) rather than fail in SQL (500). */
function storable (value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed()
}

function jsonStorable (value: unknown, depth = 0): boolean {
  if (depth > 32) return false
  if (typeof value === 'string') return storable(value)
  if (Array.isArray(value)) return value.every(v => jsonStorable(v, depth + 1))
  if (typeof value === 'object' && value !== null) return Object.entries(value).every(([k, v]) => storable(k) && jsonStorable(v, depth + 1))
  return true
}

function requireString (value: unknown, path: string, errors: { path: string, message: string }[]): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxIdLength || !storable(value)) errors.push({ path, message: `must be a string of 1–${maxIdLength} characters` })
}

/** Connectors hand us parsed provider data: check it before it reaches SQL. */
export function validateInbound (inbound: InboundMessage): void {
  const errors: { path: string, message: string }[] = []
  requireString(inbound.connector, '/connector', errors)
  requireString(inbound.externalAccountId, '/externalAccountId', errors)
  requireString(inbound.externalUserId, '/externalUserId', errors)
  requireString(inbound.externalMessageId, '/externalMessageId', errors)
  if (inbound.text !== undefined && (typeof inbound.text !== 'string' || inbound.text.length > maxTextLength)) errors.push({ path: '/text', message: `must be a string of at most ${maxTextLength} characters` })
  else if (inbound.text !== undefined && !storable(inbound.text)) errors.push({ path: '/text', message: 'must be valid Unicode text without NUL characters' })
  if (inbound.attachments !== undefined && (!Array.isArray(inbound.attachments) || inbound.attachments.length > maxAttachments)) errors.push({ path: '/attachments', message: `must be a list of at most ${maxAttachments}` })
  if (inbound.sentAt !== undefined && !(inbound.sentAt instanceof Date && !Number.isNaN(inbound.sentAt.getTime()))) errors.push({ path: '/sentAt', message: 'must be a valid date' })
  if ((inbound.text ?? '') === '' && (inbound.attachments?.length ?? 0) === 0) errors.push({ path: '/text', message: 'a message needs text or an attachment' })
  for (const key of ['name', 'username', 'email', 'phone', 'locale'] as const) {
    const v = inbound.client?.[key]
    if (v !== undefined && (typeof v !== 'string' || v.length > maxIdLength)) errors.push({ path: `/client/${key}`, message: `must be a string of at most ${maxIdLength} characters` })
  }
  if (inbound.client?.avatarUrl !== undefined && (typeof inbound.client.avatarUrl !== 'string' || inbound.client.avatarUrl.length > 2000)) errors.push({ path: '/client/avatarUrl', message: 'must be a string of at most 2000 characters' })
  // The JSON parts go to jsonb: the same text rules apply to every string inside them.
  for (const [path, value] of [['/client', inbound.client], ['/meta', inbound.meta], ['/attachments', inbound.attachments], ['/externalChatId', inbound.externalChatId], ['/quoteExternalId', inbound.quoteExternalId]] as const) {
    if (value !== undefined && !jsonStorable(value)) errors.push({ path, message: 'must hold only valid Unicode text without NUL characters' })
  }
  if (errors.length > 0) throw new OpenlineError(errorCodes.validation, 'Invalid inbound message', { fields: errors })
}

interface IngestRow {
  error?: 'unknown_connection' | 'connection_inactive'
  duplicate: boolean
  messageId: string
  conversationId: string
  clientId: string
  identityId: string
  identityNew: boolean
  openChannelId: string
  connectionId: string
  openChannelActive: boolean
  conversationOpened: boolean
  firstContact: boolean
  createdAt: string
  sentAt: string
  events: { id: string, name: string }[]
}

/** At most this many ingest statements run at once; messages arriving meanwhile wait and go together. */
const maxStatementsInFlight = 4
const maxBatch = 50

interface Waiting {
  arg: string
  order: string
  resolve: (row: IngestRow) => void
  reject: (err: unknown) => void
}

/**
 * Group commit for ingest: while `maxStatementsInFlight` statements run, newly arriving messages
 * queue up and the next statement stores all of them (`ol_ingest` per element, in one
 * transaction). An idle server sends every message alone, at once; a busy one pays the
 * per-statement costs (round trip, commit, socket writes) once per batch instead of once per
 * message. Each caller still returns only after its message committed. A batch is ordered by
 * sender so concurrent batches take row and unique-index locks in one order (no deadlock); if a
 * batch fails as a whole (one message PostgreSQL refuses), its messages are retried one by one,
 * so only the bad one fails.
 */
function createBatcher (runOne: (arg: string) => Promise<IngestRow>, runMany: (args: string[]) => Promise<IngestRow[]>): (arg: string, order: string) => Promise<IngestRow> {
  let queue: Waiting[] = []
  let inFlight = 0

  async function runAlone (batch: Waiting[]): Promise<void> {
    await Promise.all(batch.map(w => runOne(w.arg).then(w.resolve, w.reject)))
  }

  async function run (batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return runAlone(batch)
    batch.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    let rows: IngestRow[]
    try {
      rows = await runMany(batch.map(w => w.arg))
    } catch {
      // The batch rolled back as a whole: each message alone, so only a refused one fails.
      return runAlone(batch)
    }
    batch.forEach((w, i) => rows[i] === undefined ? w.reject(new Error('ingest batch returned no row for a message')) : w.resolve(rows[i]))
  }

  function pump (): void {
    while (inFlight < maxStatementsInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch)
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch)
      inFlight++
      void run(batch).finally(() => { inFlight--; pump() })
    }
  }

  return (arg, order) => new Promise<IngestRow>((resolve, reject) => {
    queue.push({ arg, order, resolve, reject })
    pump()
  })
}

/**
 * `ingest` commits an inbound message before returning, so a webhook answers 200 only for a
 * stored message. With no in-transaction hooks it is one statement (one round trip, one commit),
 * shared with the messages that arrived at the same time (see `createBatcher`).
 */
export function createIngest (deps: {
  orm: MikroORM
  hooks: HookRunner
  events: EventDispatcher
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  publish: (topic: string, payload: Record<string, unknown>) => Promise<void>
  log: Logger
}): (inbound: InboundMessage) => Promise<IngestResult> {
  const subscribed = ['message.received', 'conversation.opened'].filter(n => deps.events.hasSubscribers(n))
  const needsTransaction = deps.hooks.has('client.identify') || deps.hooks.has('conversation.beforeOpen') || deps.hooks.has('message.beforeStore')

  function argument (inbound: InboundMessage): string {
    return JSON.stringify({ ...inbound, sentAt: inbound.sentAt?.toISOString(), subscribed })
  }

  const store = createBatcher(
    async (arg) => {
      const rows = await (deps.orm.em.fork() as any).execute('select ol_ingest(?::jsonb) as r', [arg]) as { r: IngestRow }[]
      return rows[0].r
    },
    async (args) => {
      // One transaction: ol_ingest runs per element, in array order, each seeing the ones before.
      const rows = await (deps.orm.em.fork() as any).execute(
        'select x.i::int as i, ol_ingest(x.p) as r from jsonb_array_elements(?::jsonb) with ordinality as x(p, i)', [`[${args.join(',')}]`]) as { i: number, r: IngestRow }[]
      const out: IngestRow[] = new Array(args.length)
      for (const row of rows) out[row.i - 1] = row.r
      return out
    }
  )

  async function runHooks (tx: Tx, row: IngestRow, inbound: InboundMessage): Promise<void> {
    if (row.identityNew) {
      const payload = { tx, identityId: row.identityId, clientId: row.clientId, inbound }
      await deps.hooks.run('client.identify', payload)
      if (payload.clientId !== row.clientId) {
        // A CRM recognised the person: link the identity (and this conversation) to that client.
        await tx.query('update client_identities set client_id = ? where id = ?', [payload.clientId, row.identityId])
        await tx.query('update conversations set client_id = ? where client_identity_id = ?', [payload.clientId, row.identityId])
        await tx.query('delete from clients c where c.id = ? and not exists (select 1 from client_identities i where i.client_id = c.id)', [row.clientId])
        row.clientId = payload.clientId
      }
    }
    if (row.conversationOpened && deps.hooks.has('conversation.beforeOpen')) {
      const [oc] = await tx.query<OpenChannelRow>('select * from open_channels where id = ?', [row.openChannelId])
      await deps.hooks.run('conversation.beforeOpen', { tx, clientId: row.clientId, inbound, openChannel: toOpenChannelRecord(oc) })
    }
    if (deps.hooks.has('message.beforeStore')) {
      const [conv] = await tx.query<Record<string, any>>(`select ${conversationColumns} from conversations where id = ?`, [row.conversationId])
      const message = {
        conversationId: row.conversationId, connectionId: row.connectionId, externalId: inbound.externalMessageId, authorKind: 'client' as const, authorUserId: null,
        visibility: 'public' as const, body: inbound.text ?? '', attachments: inbound.attachments ?? [], quoteMessageId: null, sentAt: new Date(row.sentAt),
        editedAt: null, deletedAt: null, deliveryStatus: 'none' as const, meta: inbound.meta ?? {}
      }
      await deps.hooks.run('message.beforeStore', { tx, message, conversation: toConversationRecord(conv), inbound })
      if (message.body !== (inbound.text ?? '') || message.visibility !== 'public') {
        await tx.query('update messages set body = ?, visibility = ? where id = ?', [message.body, message.visibility, row.messageId])
      }
    }
  }

  return async function ingest (inbound: InboundMessage): Promise<IngestResult> {
    validateInbound(inbound)
    let row: IngestRow
    if (needsTransaction) {
      row = await deps.transaction(async (tx) => {
        const [r] = await tx.query<{ r: IngestRow }>('select ol_ingest(?::jsonb) as r', [argument(inbound)])
        if (r.r.error === undefined && !r.r.duplicate) await runHooks(tx, r.r, inbound)
        return r.r
      })
    } else {
      row = await store(argument(inbound), `${inbound.connector}\u0000${inbound.externalAccountId}\u0000${inbound.externalUserId}\u0000${inbound.externalMessageId}`)
    }
    if (row.error === 'unknown_connection') throw new OpenlineError(errorCodes.notFound, `No connection for ${inbound.connector} account ${inbound.externalAccountId}`, { statusCode: 404 })
    if (row.error === 'connection_inactive') throw new OpenlineError(errorCodes.connectionInactive, 'This connection is disconnected', { statusCode: 410 })
    if (!row.duplicate) {
      const message = {
        id: row.messageId, conversationId: row.conversationId, openChannelId: row.openChannelId, connectionId: row.connectionId, clientId: row.clientId,
        authorKind: 'client', authorUserId: null, visibility: 'public', body: inbound.text ?? '', attachments: inbound.attachments ?? [],
        createdAt: row.createdAt, sentAt: row.sentAt, conversationOpened: row.conversationOpened, deliveryStatus: 'none', quoteMessageId: null, editedAt: null, deletedAt: null
      }
      deps.publish(topics.messages, { messageAdded: message }).catch(err => deps.log.warn({ err: err.message }, 'subscription push failed'))
      if (row.events.length > 0) deps.events.dispatch(row.events).catch(err => deps.log.warn({ err: err.message }, 'event dispatch deferred to the sweeper'))
    }
    return { messageId: row.messageId, conversationId: row.conversationId, clientId: row.clientId, duplicate: row.duplicate, conversationOpened: row.conversationOpened ?? false, openChannelId: row.openChannelId }
  }
}
