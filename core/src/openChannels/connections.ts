import { randomUUID } from 'node:crypto'
import { OpenlineError, errorCodes, coreEvents } from '@openline/sdk'
import type { ChannelConnectionRecord, ChannelConnector, FieldError, Id, PluginContext, Tx } from '@openline/sdk'
import type { Core } from '../core.ts'
import { checkAgainstSchema } from './settings.ts'
import { isId, lockOpenChannel, toDate } from './openChannels.ts'

/** `connector.connect` threw: nothing was stored. */
export const connectFailedCode = 'OL_CONNECT_FAILED'

/** A `channel_connections` row as raw SQL returns it; `secrets` only where a query asked for it. */
export interface ConnectionRow {
  id: string
  open_channel_id: string
  connector: string
  external_account_id: string
  status: 'connected' | 'disconnected'
  settings: Record<string, unknown> | null
  has_secrets: boolean
  secrets?: string | null
  created_at: string | Date
  updated_at: string | Date
}

export type ConnectionView = ChannelConnectionRecord & { hasSecrets: boolean, createdAt: Date, updatedAt: Date, generatedSecrets?: Record<string, unknown> | null }

// Every read names its columns: the sealed secrets leave the table only where asked for.
const COLUMNS = 'id, open_channel_id, connector, external_account_id, status, settings, secrets is not null as has_secrets, created_at, updated_at'
const COLUMNS_WITH_SECRETS = `${COLUMNS}, secrets`

export function toConnectionRecord (row: ConnectionRow): ChannelConnectionRecord {
  return {
    id: String(row.id),
    openChannelId: String(row.open_channel_id),
    connector: row.connector,
    externalAccountId: row.external_account_id,
    status: row.status,
    settings: row.settings ?? {}
  }
}

export function toConnectionView (row: ConnectionRow): ConnectionView {
  return { ...toConnectionRecord(row), hasSecrets: Boolean(row.has_secrets), createdAt: toDate(row.created_at), updatedAt: toDate(row.updated_at) }
}

function notFound (id: unknown): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `Channel connection ${String(id)} not found`, { statusCode: 404 })
}

function validationError (fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid input: ${fields.map(f => `${f.path}: ${f.message}`).join('; ')}`, { fields })
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Top-level fields named in `secretFields` go to the sealed column, the rest stay readable. */
export function splitSecrets (connector: Pick<ChannelConnector, 'secretFields'>, settings: Record<string, unknown>): { settings: Record<string, unknown>, secrets: Record<string, unknown> } {
  const names = new Set(connector.secretFields ?? [])
  const plain: Record<string, unknown> = {}
  const secrets: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(settings)) {
    if (names.has(key)) {
      if (value !== undefined) secrets[key] = value
    } else {
      plain[key] = value
    }
  }
  return { settings: plain, secrets }
}

export function webhookUrl (core: Core, pluginName: string, connectionId: Id): string {
  return `${core.config.publicUrl.replace(/\/+$/, '')}/plugins/${pluginName}/webhook/${connectionId}`
}

export async function getConnection (core: Core, id: Id): Promise<ConnectionView | null> {
  if (!isId(id)) return null
  const rows = await core.orm.em.fork().execute<ConnectionRow[]>(`select ${COLUMNS} from channel_connections where id = ?`, [id])
  return rows[0] === undefined ? null : toConnectionView(rows[0])
}

/** Rows of one open channel, oldest first; `withSecrets` adds the sealed column (never for the API). */
export async function listConnectionRows (core: Core, openChannelId: Id, options: { withSecrets?: boolean } = {}): Promise<ConnectionRow[]> {
  if (!isId(openChannelId)) return []
  const columns = options.withSecrets === true ? COLUMNS_WITH_SECRETS : COLUMNS
  return core.orm.em.fork().execute<ConnectionRow[]>(`select ${columns} from channel_connections where open_channel_id = ? order by id`, [openChannelId])
}

export async function listConnections (core: Core, openChannelId: Id): Promise<ConnectionView[]> {
  return (await listConnectionRows(core, openChannelId)).map(toConnectionView)
}

/** The opened secrets of a connection, for the delivery worker (`connector.send`). */
export async function connectionSecrets (core: Core, connectionId: Id): Promise<Record<string, unknown>> {
  if (!isId(connectionId)) throw notFound(connectionId)
  const rows = await core.orm.em.fork().execute<{ secrets: string | null }[]>('select secrets from channel_connections where id = ?', [connectionId])
  if (rows[0] === undefined) throw notFound(connectionId)
  return rows[0].secrets == null ? {} : core.secrets.open(rows[0].secrets)
}

/** Record and opened secrets in one read: what `OutboundDelivery.connection` needs. */
export async function getConnectionWithSecrets (core: Core, connectionId: Id): Promise<ChannelConnectionRecord & { secrets: Record<string, unknown> }> {
  if (!isId(connectionId)) throw notFound(connectionId)
  const rows = await core.orm.em.fork().execute<ConnectionRow[]>(`select ${COLUMNS_WITH_SECRETS} from channel_connections where id = ?`, [connectionId])
  if (rows[0] === undefined) throw notFound(connectionId)
  return { ...toConnectionRecord(rows[0]), secrets: rows[0].secrets == null ? {} : core.secrets.open(rows[0].secrets) }
}

/**
 * Tell the provider to stop sending (remove the webhook). Best effort: a provider that is down
 * or a plugin that is gone must not block a disconnect or a delete; failures are logged.
 */
export async function disconnectAtProvider (core: Core, row: ConnectionRow): Promise<void> {
  const connector = core.registry.connectors.get(row.connector)
  if (connector?.disconnect === undefined) return
  try {
    const secrets = row.secrets == null ? {} : core.secrets.open(row.secrets)
    await connector.disconnect({ settings: { ...(row.settings ?? {}), ...secrets }, externalAccountId: row.external_account_id, connectionId: String(row.id) }, core.pluginContextOf(connector.id))
  } catch (err) {
    core.log.warn({ err, connectionId: String(row.id), connector: row.connector }, 'connector disconnect failed; continuing')
  }
}

async function findByAccount (tx: Tx, connector: string, externalAccountId: string): Promise<ConnectionRow | undefined> {
  const rows = await tx.query<ConnectionRow>(`select ${COLUMNS_WITH_SECRETS} from channel_connections where connector = ? and external_account_id = ? for update`, [connector, externalAccountId])
  return rows[0]
}

type ConnectResult = { externalAccountId?: string, settings?: Record<string, unknown> }

async function callConnect (connector: ChannelConnector, ctx: PluginContext, input: { settings: Record<string, unknown>, externalAccountId: string | null, webhookUrl: string, connectionId: Id }): Promise<ConnectResult> {
  if (connector.connect === undefined) return {}
  let result: ConnectResult | undefined
  try {
    result = await connector.connect(input, ctx) as ConnectResult | undefined
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new OpenlineError(connectFailedCode, `Connecting ${connector.title} failed: ${message}`, {
      statusCode: 502,
      cause: err,
      fields: err instanceof OpenlineError ? err.fields : undefined
    })
  }
  const accountId = result?.externalAccountId
  if (accountId !== undefined && (typeof accountId !== 'string' || accountId.length < 1 || accountId.length > 255)) {
    throw new OpenlineError(connectFailedCode, `Connecting ${connector.title} failed: the connector returned an invalid account id`, { statusCode: 502 })
  }
  return { externalAccountId: accountId, settings: isPlainObject(result?.settings) ? result.settings : undefined }
}

function isUniqueViolation (err: unknown): boolean {
  const e = err as { code?: unknown, name?: unknown } | null
  return e?.code === '23505' || e?.name === 'UniqueConstraintViolationException'
}

/**
 * A2: connect a provider account to an open channel. The account (connector + external id)
 * belongs to exactly one open channel: connecting it elsewhere moves it, connecting a
 * disconnected one reactivates it. `connector.connect` runs inside the transaction after the
 * row exists (its id is in the webhook URL), so a failing provider leaves nothing stored.
 */
export async function connectChannel (core: Core, input: { openChannelId: Id, connector: string, externalAccountId?: string | null, settings?: unknown }): Promise<ConnectionView> {
  const connector = core.registry.connectors.get(input.connector)
  if (connector === undefined) {
    throw new OpenlineError(errorCodes.unknownConnector, `Unknown connector "${String(input.connector)}"`, {
      statusCode: 400, fields: [{ path: '/connector', message: 'No loaded plugin provides this connector' }]
    })
  }
  const fields: FieldError[] = []
  let given: string | null = null
  if (input.externalAccountId != null) {
    given = typeof input.externalAccountId === 'string' ? input.externalAccountId.trim() : ''
    if (given.length < 1 || given.length > 255) fields.push({ path: '/externalAccountId', message: 'Must be 1 to 255 characters' })
  }
  const checked = checkAgainstSchema(connector.settingsSchema, input.settings ?? {}, '/settings')
  fields.push(...checked.errors)
  if (fields.length > 0) throw validationError(fields)
  const settings = checked.value as Record<string, unknown>
  const openChannelId = String(input.openChannelId)
  const ctx = core.pluginContextOf(connector.id)

  try {
    return await core.transaction(async (tx) => {
      await lockOpenChannel(tx, openChannelId)
      let row = given === null ? undefined : await findByAccount(tx, connector.id, given)
      let created = false
      if (row === undefined) {
        // The webhook URL needs the row id before the provider names the account: hold a placeholder.
        const accountId = given ?? `pending:${randomUUID()}`
        const rows = await tx.query<ConnectionRow>(`insert into channel_connections (open_channel_id, connector, external_account_id, status) values (?, ?, ?, 'connected') returning ${COLUMNS_WITH_SECRETS}`, [openChannelId, connector.id, accountId])
        row = rows[0]
        created = true
      }
      // Re-connecting without re-typing a secret keeps the stored one.
      const previousSecrets = row.secrets == null ? {} : core.secrets.open(row.secrets)
      let full = { ...previousSecrets, ...settings }
      let result = await callConnect(connector, ctx, { settings: full, externalAccountId: given, webhookUrl: webhookUrl(core, ctx.pluginName, row.id), connectionId: String(row.id) })
      const accountId = result.externalAccountId ?? given
      if (accountId === null) {
        throw validationError([{ path: '/externalAccountId', message: `${connector.title} did not name the account: give externalAccountId` }])
      }
      if (accountId !== row.external_account_id) {
        const known = await findByAccount(tx, connector.id, accountId)
        if (known !== undefined) {
          if (!created) throw new OpenlineError(errorCodes.conflict, `The provider names account "${accountId}", which is connected separately`, { statusCode: 409 })
          // The account was known already: keep its row (identities and history hang on it).
          await tx.query('delete from channel_connections where id = ?', [row.id])
          row = known
          created = false
          const knownSecrets = row.secrets == null ? {} : core.secrets.open(row.secrets)
          full = { ...knownSecrets, ...settings, ...(result.settings ?? {}) }
          // Register the webhook again, now with the id of the row that stays.
          result = await callConnect(connector, ctx, { settings: full, externalAccountId: accountId, webhookUrl: webhookUrl(core, ctx.pluginName, row.id), connectionId: String(row.id) })
        }
      }
      const split = splitSecrets(connector, { ...full, ...(result.settings ?? {}) })
      const sealed = Object.keys(split.secrets).length > 0 ? core.secrets.seal(split.secrets) : null
      const previousChannelId = String(row.open_channel_id)
      const updated = await tx.query<ConnectionRow>(
        `update channel_connections set open_channel_id = ?, external_account_id = ?, status = 'connected', settings = ?::jsonb, secrets = ?, updated_at = now() where id = ? returning ${COLUMNS}`,
        [openChannelId, accountId, JSON.stringify(split.settings), sealed, row.id]
      )
      const change = !created && previousChannelId !== openChannelId ? 'moved' : 'connected'
      tx.emit(coreEvents.connectionChanged, { connectionId: String(row.id), openChannelId, change })
      // Secrets the connector made up (a webhook verify token the admin must paste at the provider):
      // this answer is the only time they leave the sealed column.
      const generated = Object.fromEntries(Object.entries(split.secrets).filter(([key]) => !(key in settings) && result.settings !== undefined && key in result.settings))
      return { ...toConnectionView(updated[0]), generatedSecrets: Object.keys(generated).length > 0 ? generated : null }
    })
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new OpenlineError(errorCodes.conflict, 'This account is being connected by another request; try again', { statusCode: 409, cause: err })
    }
    throw err
  }
}

/**
 * Stop intake from a connection (A3: ingest refuses disconnected connections). The provider is
 * told first, best effort. Already disconnected: nothing happens.
 */
export async function disconnectChannel (core: Core, connectionId: Id): Promise<ConnectionView> {
  if (!isId(connectionId)) throw notFound(connectionId)
  const rows = await core.orm.em.fork().execute<ConnectionRow[]>(`select ${COLUMNS_WITH_SECRETS} from channel_connections where id = ?`, [connectionId])
  const row = rows[0]
  if (row === undefined) throw notFound(connectionId)
  if (row.status === 'disconnected') return toConnectionView(row)
  await disconnectAtProvider(core, row)
  return core.transaction(async (tx) => {
    const updated = await tx.query<ConnectionRow>(`update channel_connections set status = 'disconnected', updated_at = now() where id = ? and status = 'connected' returning ${COLUMNS}`, [connectionId])
    if (updated[0] === undefined) {
      // Deleted or disconnected meanwhile.
      const now = await tx.query<ConnectionRow>(`select ${COLUMNS} from channel_connections where id = ?`, [connectionId])
      if (now[0] === undefined) throw notFound(connectionId)
      return toConnectionView(now[0])
    }
    tx.emit(coreEvents.connectionChanged, { connectionId: String(connectionId), openChannelId: String(updated[0].open_channel_id), change: 'disconnected' })
    return toConnectionView(updated[0])
  })
}
