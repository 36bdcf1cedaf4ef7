// The `webhooks_endpoints` table. The secret is read only by the delivery job (`deliveries.ts`):
// nothing here returns it.
import type { Query } from './db.ts'

export interface Endpoint {
  id: string
  url: string
  description: string | null
  events: string[]
  /** Empty: every open channel. */
  openChannelIds: string[]
  active: boolean
  consecutiveFailures: number
  /** Why it was switched off automatically; null while active or when an admin switched it off. */
  disabledReason: string | null
  disabledAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export interface EndpointFields {
  url: string
  description: string | null
  events: string[]
  openChannelIds: string[]
  active: boolean
}

const columns = 'id::text, url, description, events, open_channel_ids, active, consecutive_failures, disabled_reason, disabled_at, created_at, updated_at'

function toEndpoint (row: Record<string, any>): Endpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    openChannelIds: row.open_channel_ids,
    active: row.active,
    consecutiveFailures: row.consecutive_failures,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

export async function listEndpoints (query: Query): Promise<Endpoint[]> {
  return (await query(`select ${columns} from webhooks_endpoints order by id`)).map(toEndpoint)
}

export async function endpointById (query: Query, id: string): Promise<Endpoint | null> {
  const [row] = await query(`select ${columns} from webhooks_endpoints where id = ?`, [id])
  return row === undefined ? null : toEndpoint(row)
}

export async function countEndpoints (query: Query): Promise<number> {
  const [row] = await query<{ count: number }>('select count(*)::int as count from webhooks_endpoints')
  return row?.count ?? 0
}

export async function insertEndpoint (query: Query, fields: EndpointFields & { secret: string, createdById: string }): Promise<Endpoint> {
  const [row] = await query(
    `insert into webhooks_endpoints (url, description, events, open_channel_ids, active, secret, created_by_id)
     values (?, ?, ?::jsonb, ?::jsonb, ?, ?, ?) returning ${columns}`,
    [fields.url, fields.description, JSON.stringify(fields.events), JSON.stringify(fields.openChannelIds), fields.active, fields.secret, fields.createdById])
  return toEndpoint(row)
}

/**
 * Change what an admin may change. Switching an endpoint on again clears why it was switched off
 * and its failure count (the admin says the receiver is fixed); switching it off by hand leaves no
 * automatic reason. Right-hand sides see the row as it was.
 */
export async function updateEndpoint (query: Query, id: string, fields: EndpointFields): Promise<Endpoint | null> {
  const [row] = await query(
    `update webhooks_endpoints set url = ?, description = ?, events = ?::jsonb, open_channel_ids = ?::jsonb, active = ?,
            consecutive_failures = case when ? and not active then 0 else consecutive_failures end,
            disabled_reason = case when ? or active then null else disabled_reason end,
            disabled_at = case when ? then null when active then now() else disabled_at end,
            updated_at = now()
      where id = ? returning ${columns}`,
    [fields.url, fields.description, JSON.stringify(fields.events), JSON.stringify(fields.openChannelIds), fields.active,
      fields.active, fields.active, fields.active, id])
  return row === undefined ? null : toEndpoint(row)
}

export async function deleteEndpoint (query: Query, id: string): Promise<boolean> {
  return (await query('delete from webhooks_endpoints where id = ? returning id', [id])).length > 0
}

export async function replaceSecret (query: Query, id: string, secret: string): Promise<boolean> {
  return (await query('update webhooks_endpoints set secret = ?, updated_at = now() where id = ? returning id', [secret, id])).length > 0
}

/** Active endpoints that want `event`, with their open-channel filters (a handful of rows: filtered by the caller). */
export async function endpointsFor (query: Query, event: string): Promise<{ id: string, openChannelIds: string[] }[]> {
  const rows = await query<{ id: string, open_channel_ids: string[] }>(
    'select id::text, open_channel_ids from webhooks_endpoints where active and events @> ?::jsonb order by id', [JSON.stringify([event])])
  return rows.map(r => ({ id: r.id, openChannelIds: r.open_channel_ids }))
}

export async function endpointSucceeded (query: Query, id: string): Promise<void> {
  await query('update webhooks_endpoints set consecutive_failures = 0 where id = ? and consecutive_failures <> 0', [id])
}

/** Count a failed attempt; the `limit`-th in a row switches the endpoint off, saying why. */
export async function endpointFailed (query: Query, id: string, limit: number, lastError: string): Promise<void> {
  const reason = `Switched off after ${limit} failed deliveries in a row; the last one: ${lastError}`
  await query(
    `update webhooks_endpoints set consecutive_failures = consecutive_failures + 1,
            disabled_reason = case when active and consecutive_failures + 1 >= ? then ? else disabled_reason end,
            disabled_at = case when active and consecutive_failures + 1 >= ? then now() else disabled_at end,
            active = active and consecutive_failures + 1 < ?
      where id = ?`, [limit, reason, limit, limit, id])
}

export async function disableEndpoint (query: Query, id: string, reason: string): Promise<void> {
  await query('update webhooks_endpoints set active = false, disabled_reason = ?, disabled_at = now() where id = ? and active', [reason, id])
}
