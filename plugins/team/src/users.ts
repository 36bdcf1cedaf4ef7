// Which staff members may take part: only existing, active users.
import type { FieldError } from '@openline/sdk'
import { placeholders, type Query } from './db.ts'
import { invalid } from './input.ts'

/**
 * Check that every id names an active user; otherwise one field error per bad entry at
 * `pathOf(index)`. An unknown and an inactive user read the same.
 */
export async function requireActiveUsers (query: Query, ids: string[], pathOf: (index: number) => string): Promise<void> {
  const distinct = [...new Set(ids)]
  if (distinct.length === 0) return
  const rows = await query<{ id: string }>(`select id::text from users where active and id in (${placeholders(distinct.length)})`, distinct)
  const active = new Set(rows.map(r => r.id))
  const fields: FieldError[] = []
  ids.forEach((id, index) => { if (!active.has(id)) fields.push({ path: pathOf(index), message: 'no such active user' }) })
  if (fields.length > 0) throw invalid('Unknown or inactive user', fields)
}

/**
 * The staff of a conversation (K6 "all staff of the dialog"): its assignee and every participant
 * who has not left, active users only.
 */
export async function conversationStaff (query: Query, conversationId: string, assigneeId: string | null): Promise<string[]> {
  const rows = await query<{ id: string }>(
    `select u.id::text from users u
      where u.active and (u.id = ? or u.id in (select p.user_id from conversation_participants p where p.conversation_id = ? and p.left_at is null))
      order by u.id`, [assigneeId, conversationId])
  return rows.map(r => r.id)
}
