import { OpenlineError, errorCodes, coreEvents } from '@openline/sdk'
import { isId } from '../ids.ts'
import type { AuthUser, FieldError, Id, OpenChannelRecord, Tx, UserRecord } from '@openline/sdk'
import type { Core } from '../core.ts'
import { isOpenChannelLanguage, openChannelLanguages, validateSettingsGroup, settingsWithDefaults } from './settings.ts'
import { disconnectAtProvider, listConnectionRows } from './connections.ts'

/** An `open_channels` row as raw SQL returns it (snake_case; jsonb parsed; timestamps as text or Date). */
export interface OpenChannelRow {
  id: string
  name: string
  active: boolean
  language: string
  queue_strategy: string | null
  queue_settings: Record<string, unknown> | null
  chatbot: string | null
  chatbot_settings: Record<string, unknown> | null
  crm_form: string | null
  crm_form_settings: Record<string, unknown> | null
  settings: Record<string, Record<string, unknown>> | null
  created_at: string | Date
  updated_at: string | Date
}

/** What the service functions return: the plugin-facing record plus timestamps. */
export type OpenChannelView = OpenChannelRecord & { createdAt: Date, updatedAt: Date }

export const NAME_MAX = 100

/** Row → the plain record plugins see in hooks and events. */
export function toOpenChannelRecord (row: OpenChannelRow): OpenChannelRecord {
  return {
    id: String(row.id),
    name: row.name,
    active: row.active,
    language: row.language,
    queueStrategy: row.queue_strategy,
    queueSettings: row.queue_settings ?? {},
    chatbot: row.chatbot,
    chatbotSettings: row.chatbot_settings ?? {},
    crmForm: row.crm_form,
    crmFormSettings: row.crm_form_settings ?? {},
    settings: row.settings ?? {}
  }
}

export function toDate (value: string | Date): Date {
  return value instanceof Date ? value : new Date(value)
}

export function toOpenChannelView (row: OpenChannelRow): OpenChannelView {
  return { ...toOpenChannelRecord(row), createdAt: toDate(row.created_at), updatedAt: toDate(row.updated_at) }
}

/** Bigint ids arrive as strings from GraphQL; anything else cannot name a row. */
export { isId }

function notFound (id: unknown): OpenlineError {
  return new OpenlineError(errorCodes.notFound, `Open channel ${String(id)} not found`, { statusCode: 404 })
}

function validationError (fields: FieldError[]): OpenlineError {
  return new OpenlineError(errorCodes.validation, `Invalid input: ${fields.map(f => `${f.path}: ${f.message}`).join('; ')}`, { fields })
}

function cleanName (name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : ''
  if (trimmed.length < 1 || trimmed.length > NAME_MAX) {
    throw validationError([{ path: '/name', message: `Name must be 1 to ${NAME_MAX} characters` }])
  }
  return trimmed
}

function checkLanguage (language: unknown): string {
  if (!isOpenChannelLanguage(language)) {
    throw validationError([{ path: '/language', message: `Language must be one of ${openChannelLanguages.join(', ')}` }])
  }
  return language
}

function toUserRecord (user: AuthUser | UserRecord | null | undefined): UserRecord | null {
  if (user == null) return null
  return { id: user.id, email: user.email, name: user.name, roleId: user.roleId, active: 'active' in user ? user.active : true }
}

/** Read one channel outside a transaction; null when it does not exist. */
export async function getOpenChannel (core: Core, id: Id): Promise<OpenChannelView | null> {
  if (!isId(id)) return null
  const rows = await core.orm.em.fork().execute<OpenChannelRow[]>('select * from open_channels where id = ?', [id])
  return rows[0] === undefined ? null : toOpenChannelView(rows[0])
}

export async function listOpenChannels (core: Core): Promise<OpenChannelView[]> {
  const rows = await core.orm.em.fork().execute<OpenChannelRow[]>('select * from open_channels order by id')
  return rows.map(toOpenChannelView)
}

/** Lock a channel row for the rest of `tx`; throws OL_NOT_FOUND. */
export async function lockOpenChannel (tx: Tx, id: Id): Promise<OpenChannelRow> {
  if (!isId(id)) throw notFound(id)
  const rows = await tx.query<OpenChannelRow>('select * from open_channels where id = ? for update', [id])
  if (rows[0] === undefined) throw notFound(id)
  return rows[0]
}

/** A1/A4: create an open channel; refuses beyond `config.openChannels.limit` (0 = unlimited). */
export async function createOpenChannel (core: Core, input: { name: string, language?: string | null, active?: boolean | null }, _user?: AuthUser | null): Promise<OpenChannelView> {
  const name = cleanName(input.name)
  const language = input.language == null ? 'en' : checkLanguage(input.language)
  const active = input.active ?? true
  const limit = core.config.openChannels.limit
  return core.transaction(async (tx) => {
    if (limit > 0) {
      // Serialise creations so two concurrent requests cannot both pass the count.
      await tx.query("select pg_advisory_xact_lock(hashtext('openline.openChannels.create'))")
      const [{ count }] = await tx.query<{ count: string | number }>('select count(*) as count from open_channels')
      if (Number(count) >= limit) {
        throw new OpenlineError(errorCodes.limitReached, `The open-channel limit (${limit}) is reached`, { statusCode: 409 })
      }
    }
    const rows = await tx.query<OpenChannelRow>('insert into open_channels (name, language, active) values (?, ?, ?) returning *', [name, language, active])
    const row = rows[0]
    tx.emit(coreEvents.openChannelChanged, { openChannelId: String(row.id), change: 'created' })
    return toOpenChannelView(row)
  })
}

export async function renameOpenChannel (core: Core, id: Id, name: string, _user?: AuthUser | null): Promise<OpenChannelView> {
  const clean = cleanName(name)
  return core.transaction(async (tx) => {
    await lockOpenChannel(tx, id)
    const rows = await tx.query<OpenChannelRow>('update open_channels set name = ?, updated_at = now() where id = ? returning *', [clean, id])
    tx.emit(coreEvents.openChannelChanged, { openChannelId: String(id), change: 'updated' })
    return toOpenChannelView(rows[0])
  })
}

/**
 * A3: a deactivated channel keeps its connections: messages are still stored, not distributed.
 * Setting the current state again writes nothing and emits nothing.
 */
export async function setOpenChannelActive (core: Core, id: Id, active: boolean, _user?: AuthUser | null): Promise<OpenChannelView> {
  if (typeof active !== 'boolean') throw validationError([{ path: '/active', message: 'Expected a boolean' }])
  return core.transaction(async (tx) => {
    const current = await lockOpenChannel(tx, id)
    if (current.active === active) return toOpenChannelView(current)
    const rows = await tx.query<OpenChannelRow>('update open_channels set active = ?, updated_at = now() where id = ? returning *', [active, id])
    tx.emit(coreEvents.openChannelChanged, { openChannelId: String(id), change: active ? 'activated' : 'deactivated' })
    // A3: what arrived while it was off is distributed now.
    if (active) tx.afterCommit(() => core.routing.requestRoute(String(id)))
    return toOpenChannelView(rows[0])
  })
}

/** A5: the language is part of the `other` group, so it goes through the same save path. */
export async function setOpenChannelLanguage (core: Core, id: Id, language: string, user?: AuthUser | null): Promise<OpenChannelView> {
  checkLanguage(language)
  const channel = await getOpenChannel(core, id)
  if (channel === null) throw notFound(id)
  const other = settingsWithDefaults(core, channel).other
  return updateOpenChannelSettings(core, id, 'other', { ...other, language }, user)
}

/**
 * A6: validate and save one settings group; no other group is read or written. `values`
 * replaces the group (missing fields take defaults). Field errors are relative to the group.
 */
export async function updateOpenChannelSettings (core: Core, id: Id, group: string, values: unknown, user?: AuthUser | null): Promise<OpenChannelView> {
  const checked = validateSettingsGroup(core, group, values)
  if (checked.errors.length > 0) throw validationError(checked.errors)
  return core.transaction(async (tx) => {
    const current = await lockOpenChannel(tx, id)
    const payload = { tx, openChannel: toOpenChannelRecord(current), group, values: checked.values, user: toUserRecord(user) }
    await core.hooks.run('openChannel.beforeSave', payload)
    // Hooks may normalise `payload.values`; write what they leave.
    const rows = await writeGroup(tx, id, group, payload.values)
    tx.emit(coreEvents.openChannelChanged, { openChannelId: String(id), change: 'updated' })
    // New members, a higher limit or another strategy may let waiting conversations go now.
    if (group === 'queue') tx.afterCommit(() => core.routing.requestRoute(String(id)))
    return toOpenChannelView(rows[0])
  })
}

type QueueMember = { userId: string } | { departmentId: string }

/** Replace the queue's members; every user and department must exist (field errors otherwise). */
async function writeQueueMembers (tx: Tx, openChannelId: Id, members: QueueMember[]): Promise<void> {
  const userIds = members.flatMap(m => 'userId' in m ? [m.userId] : [])
  const departmentIds = members.flatMap(m => 'departmentId' in m ? [m.departmentId] : [])
  const found = new Set<string>()
  if (userIds.length > 0) {
    for (const r of await tx.query<{ id: string }>(`select id::text as id from users where id in (${userIds.map(() => '?').join(', ')})`, userIds)) found.add(`u${r.id}`)
  }
  if (departmentIds.length > 0) {
    for (const r of await tx.query<{ id: string }>(`select id::text as id from departments where id in (${departmentIds.map(() => '?').join(', ')})`, departmentIds)) found.add(`d${r.id}`)
  }
  const errors = members.flatMap((m, i) => 'userId' in m
    ? (found.has(`u${m.userId}`) ? [] : [{ path: `/members/${i}/userId`, message: `No user ${m.userId}` }])
    : (found.has(`d${m.departmentId}`) ? [] : [{ path: `/members/${i}/departmentId`, message: `No department ${m.departmentId}` }]))
  const seen = new Set<string>()
  members.forEach((m, i) => {
    const key = 'userId' in m ? `u${m.userId}` : `d${m.departmentId}`
    if (seen.has(key)) errors.push({ path: `/members/${i}`, message: 'Listed twice' })
    seen.add(key)
  })
  if (errors.length > 0) throw validationError(errors)
  await tx.query('delete from queue_members where open_channel_id = ?', [openChannelId])
  if (members.length === 0) return
  const params: unknown[] = []
  const rows = members.map((m, i) => {
    params.push(openChannelId, i, 'userId' in m ? m.userId : null, 'departmentId' in m ? m.departmentId : null)
    return '(?, ?, ?, ?)'
  })
  await tx.query(`insert into queue_members (open_channel_id, position, user_id, department_id) values ${rows.join(', ')}`, params)
}

async function writeGroup (tx: Tx, id: Id, group: string, values: Record<string, unknown>): Promise<OpenChannelRow[]> {
  const json = (v: unknown): string => JSON.stringify(v ?? {})
  switch (group) {
    case 'queue': {
      // The strategy in its columns; members, limits, availability and display in settings.queue,
      // and members also as queue_members rows, which routing reads.
      const { strategy, strategySettings, ...routing } = values
      await writeQueueMembers(tx, id, (routing.members ?? []) as QueueMember[])
      return tx.query<OpenChannelRow>('update open_channels set queue_strategy = ?, queue_settings = ?::jsonb, settings = settings || jsonb_build_object(?::text, ?::jsonb), updated_at = now() where id = ? returning *',
        [strategy ?? null, json(strategySettings), 'queue', json(routing), id])
    }
    case 'chatbots': {
      // The bot in its columns; when it takes and leaves conversations in settings.chatbotRules (ingest reads it).
      const { chatbot, chatbotSettings, ...rules } = values
      return tx.query<OpenChannelRow>('update open_channels set chatbot = ?, chatbot_settings = ?::jsonb, settings = settings || jsonb_build_object(?::text, ?::jsonb), updated_at = now() where id = ? returning *',
        [chatbot ?? null, json(chatbotSettings), 'chatbotRules', json(rules), id])
    }
    case 'crmForm':
      return tx.query<OpenChannelRow>('update open_channels set crm_form = ?, crm_form_settings = ?::jsonb, updated_at = now() where id = ? returning *', [values.form ?? null, json(values.formSettings), id])
    case 'other': {
      // The language lives in its column only, so the two can never disagree.
      const { language, ...rest } = values
      const lang = checkLanguage(language)
      return tx.query<OpenChannelRow>('update open_channels set language = ?, settings = settings || jsonb_build_object(?::text, ?::jsonb), updated_at = now() where id = ? returning *', [lang, 'other', json(rest), id])
    }
    default:
      // `||` replaces only this group's key inside the JSON column.
      return tx.query<OpenChannelRow>('update open_channels set settings = settings || jsonb_build_object(?::text, ?::jsonb), updated_at = now() where id = ? returning *', [group, json(values), id])
  }
}

/**
 * A1: delete a channel with its conversations, messages and connections (FK cascades).
 * `confirm` must equal the channel's current name. Providers are told first (best effort):
 * a provider that cannot be reached must not keep a channel alive.
 */
export async function deleteOpenChannel (core: Core, id: Id, options: { confirm: string }, _user?: AuthUser | null): Promise<boolean> {
  const channel = await getOpenChannel(core, id)
  if (channel === null) throw notFound(id)
  const confirmationRequired = (): OpenlineError => new OpenlineError(errorCodes.confirmationRequired,
    'Deleting an open channel deletes all its conversations: pass its exact name as confirmation',
    { statusCode: 400, fields: [{ path: '/confirm', message: 'Must equal the open channel\'s name' }] })
  if (typeof options?.confirm !== 'string' || options.confirm !== channel.name) throw confirmationRequired()

  const connections = await listConnectionRows(core, id, { withSecrets: true })
  for (const connection of connections) {
    if (connection.status === 'connected') await disconnectAtProvider(core, connection)
  }

  return core.transaction(async (tx) => {
    const current = await lockOpenChannel(tx, id)
    // Renamed meanwhile: the admin confirmed another name.
    if (current.name !== options.confirm) throw confirmationRequired()
    // timers.conversation_id has no FK: cancel the pending ones of the doomed conversations.
    await tx.query('update timers set cancelled_at = now() where fired_at is null and cancelled_at is null and conversation_id in (select id from conversations where open_channel_id = ?)', [id])
    const gone = await tx.query<{ id: string, status: string }>('select id, status from channel_connections where open_channel_id = ?', [id])
    // Cascades remove connections, client identities, conversations, messages and their outbox rows.
    await tx.query('delete from open_channels where id = ?', [id])
    for (const c of gone) {
      if (c.status === 'connected') tx.emit(coreEvents.connectionChanged, { connectionId: String(c.id), openChannelId: String(id), change: 'disconnected' })
    }
    tx.emit(coreEvents.openChannelChanged, { openChannelId: String(id), change: 'deleted' })
    return true
  })
}
