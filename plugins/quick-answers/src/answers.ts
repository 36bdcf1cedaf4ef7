// The answers table: rows as records, reading one answer as a user sees it, writing answers.
import { OpenlineError, errorCodes, type AuthUser, type Id, type PluginContext } from '@openline/sdk'
import { searchText } from './search.ts'

/** What a create or update stores. */
export interface AnswerValues {
  /** Null: offered in every open channel. */
  openChannelId: Id | null
  title: string | null
  text: string
  category: string | null
  sortOrder: number
  /** Seen by its author alone. */
  personal: boolean
}

export interface QuickAnswer extends AnswerValues {
  id: Id
  createdById: Id | null
  usageCount: number
  lastUsedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

export const answerColumns = 'a.id::text, a.open_channel_id::text, a.title, a.text, a.category, a.sort_order, a.personal, a.created_by::text, a.usage_count, a.last_used_at, a.created_at, a.updated_at'

export function toAnswer (row: Record<string, any>): QuickAnswer {
  return {
    id: row.id,
    openChannelId: row.open_channel_id ?? null,
    title: row.title ?? null,
    text: row.text,
    category: row.category === '' ? null : row.category,
    sortOrder: Number(row.sort_order),
    personal: row.personal === true,
    createdById: row.created_by ?? null,
    usageCount: Number(row.usage_count),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at)
  }
}

/** SQL (alias `a`) for the answers `user` sees: shared ones and their own personal ones. */
export function visibleToSql (user: AuthUser): { sql: string, params: unknown[] } {
  return { sql: '(not a.personal or a.created_by = ?)', params: [user.id] }
}

/** Raw SQL with `?` placeholders on a fresh entity manager, outside any transaction (one statement commits alone). */
export async function execute (ctx: PluginContext<any>, sql: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  return await ctx.em().getConnection().execute(sql, params, 'all') as Record<string, any>[]
}

/** The answer if `user` may see it, else OL_NOT_FOUND (another's personal answer does not exist for them). */
export async function visibleAnswer (ctx: PluginContext<any>, user: AuthUser, id: Id): Promise<QuickAnswer> {
  const visible = visibleToSql(user)
  const rows = await execute(ctx, `select ${answerColumns} from quick_answers_answers a where a.id = ? and ${visible.sql}`, [id, ...visible.params])
  if (rows[0] === undefined) throw new OpenlineError(errorCodes.notFound, 'Quick answer not found', { statusCode: 404 })
  return toAnswer(rows[0])
}

/** Authors change their own answers; others' shared answers need manageOpenChannels. */
export function mayEdit (user: AuthUser, answer: QuickAnswer): boolean {
  return answer.createdById === user.id || user.permissions.manageOpenChannels
}

export async function insertAnswer (ctx: PluginContext<any>, values: AnswerValues, createdBy: Id): Promise<QuickAnswer> {
  const rows = await execute(ctx,
    `insert into quick_answers_answers as a (open_channel_id, title, text, category, sort_order, personal, created_by, search_text)
     values (?, ?, ?, ?, ?, ?, ?, ?) returning ${answerColumns}`,
    [values.openChannelId, values.title, values.text, values.category ?? '', values.sortOrder, values.personal, createdBy, searchText(values.title, values.text)])
  return toAnswer(rows[0])
}

export async function updateAnswer (ctx: PluginContext<any>, id: Id, values: AnswerValues): Promise<QuickAnswer> {
  const rows = await execute(ctx,
    `update quick_answers_answers as a set open_channel_id = ?, title = ?, text = ?, category = ?, sort_order = ?, personal = ?, search_text = ?, updated_at = now()
      where a.id = ? returning ${answerColumns}`,
    [values.openChannelId, values.title, values.text, values.category ?? '', values.sortOrder, values.personal, searchText(values.title, values.text), id])
  if (rows[0] === undefined) throw new OpenlineError(errorCodes.notFound, 'Quick answer not found', { statusCode: 404 })
  return toAnswer(rows[0])
}

export async function deleteAnswer (ctx: PluginContext<any>, id: Id): Promise<boolean> {
  const rows = await execute(ctx, 'delete from quick_answers_answers where id = ? returning id', [id])
  return rows.length > 0
}

/** One more use: popular answers come first in the list. */
export async function countUse (ctx: PluginContext<any>, id: Id): Promise<void> {
  await execute(ctx, 'update quick_answers_answers set usage_count = usage_count + 1, last_used_at = now() where id = ?', [id])
}
