// The `quickAnswers` list: the answers a user sees, filtered, searched and ordered, a page at a time.
import type { AuthUser, PluginContext } from '@openline/sdk'
import { OpenlineError, errorCodes } from '@openline/sdk'
import { answerColumns, execute, toAnswer, visibleToSql, type QuickAnswer } from './answers.ts'
import { decodeCursor, encodeCursor, pageSize } from './cursor.ts'
import { searchPatterns } from './search.ts'
import { checkId } from './input.ts'

/** `popular`: most used first (then sort order); `manual`: by category, then sort order. */
export type AnswerOrder = 'popular' | 'manual'

export interface ListArgs {
  openChannelId?: string | null
  search?: string | null
  category?: string | null
  order?: AnswerOrder | null
  first?: number | null
  after?: string | null
}

export interface AnswerPage { nodes: QuickAnswer[], nextCursor: string | null }

export const maxSearchLength = 200

interface Ordering {
  orderBy: string
  /** Rows after the cursor's values, in this order. */
  after: (values: unknown[]) => { sql: string, params: unknown[] }
  kinds: ('string' | 'integer' | 'id')[]
  key: (a: QuickAnswer) => (string | number)[]
}

const orderings: Record<AnswerOrder, Ordering> = {
  popular: {
    orderBy: 'a.usage_count desc, a.sort_order, a.id',
    after: ([uses, sort, id]) => ({ sql: '(a.usage_count < ? or (a.usage_count = ? and (a.sort_order, a.id) > (?, ?::bigint)))', params: [uses, uses, sort, id] }),
    kinds: ['integer', 'integer', 'id'],
    key: (a) => [a.usageCount, a.sortOrder, a.id]
  },
  manual: {
    orderBy: 'a.category, a.sort_order, a.id',
    after: ([category, sort, id]) => ({ sql: '(a.category, a.sort_order, a.id) > (?, ?, ?::bigint)', params: [category, sort, id] }),
    kinds: ['string', 'integer', 'id'],
    key: (a) => [a.category ?? '', a.sortOrder, a.id]
  }
}

/**
 * With `openChannelId`: that channel's answers and those of every channel (what an agent in one
 * of its conversations may use); without: every answer the user sees.
 */
export async function listAnswers (ctx: PluginContext<any>, user: AuthUser, args: ListArgs): Promise<AnswerPage> {
  const first = pageSize(args.first ?? 50, 200)
  const ordering = orderings[args.order ?? 'popular']
  const visible = visibleToSql(user)
  const where = [visible.sql]
  const params: unknown[] = [...visible.params]
  if (args.openChannelId != null) {
    where.push('(a.open_channel_id = ? or a.open_channel_id is null)')
    params.push(checkId(args.openChannelId, '/openChannelId'))
  }
  if (args.category != null) {
    where.push('a.category = ?')
    params.push(args.category.trim())
  }
  if (args.search != null) {
    if (args.search.length > maxSearchLength) {
      throw new OpenlineError(errorCodes.validation, 'Search text too long', { fields: [{ path: '/search', message: `must be at most ${maxSearchLength} characters` }] })
    }
    for (const pattern of searchPatterns(args.search)) {
      where.push("a.search_text like ? escape '\\'")
      params.push(pattern)
    }
  }
  if (args.after != null) {
    const after = ordering.after(decodeCursor(args.after, ordering.kinds))
    where.push(after.sql)
    params.push(...after.params)
  }
  const rows = await execute(ctx,
    `select ${answerColumns} from quick_answers_answers a where ${where.join(' and ')} order by ${ordering.orderBy} limit ${first + 1}`, params)
  const nodes = rows.slice(0, first).map(toAnswer)
  const last = nodes[nodes.length - 1]
  return { nodes, nextCursor: rows.length > first && last !== undefined ? encodeCursor(ordering.key(last)) : null }
}
