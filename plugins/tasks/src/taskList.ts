// Lists of tasks a page at a time: due first (none last), then oldest; only tasks the user may see.
import { OpenlineError, errorCodes, type AuthUser, type PluginContext } from '@openline/sdk'
import { checkId, pageSize, readRows } from './read.ts'
import { maySeeTask, taskSelect, toTask, type Task, type TaskStatus } from './tasks.ts'
import type { TasksOptions } from './options.ts'

export interface TaskListArgs {
  assigneeId?: string | null
  status?: TaskStatus | null
  conversationId?: string | null
  first?: number | null
  after?: string | null
}

export interface TaskPage { nodes: Task[], nextCursor: string | null }

const sortKey = "coalesce(t.due_at, 'infinity'::timestamptz)"
const batchSize = 100
/** Rows looked at per request when most are hidden from the user; the page then ends early with a cursor. */
const maxScanned = 2000

// Cursor: the due date (ISO, or 'infinity') and id of the last row looked at.
function encodeCursor (task: Task): string {
  return Buffer.from(JSON.stringify([task.dueAt === null ? 'infinity' : task.dueAt.toISOString(), task.id])).toString('base64url')
}

function decodeCursor (cursor: string): [string, string] {
  const invalid = new OpenlineError(errorCodes.validation, 'Invalid cursor', { fields: [{ path: '/after', message: 'invalid cursor' }] })
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    throw invalid
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalid
  const [due, id] = value as unknown[]
  if (typeof due !== 'string' || (due !== 'infinity' && Number.isNaN(Date.parse(due))) || typeof id !== 'string' || !/^[1-9][0-9]{0,18}$/.test(id)) throw invalid
  return [due, id]
}

/**
 * Tasks matching the filters that `user` may see. Users who see every conversation need no
 * per-row check; for others, tasks they neither made nor hold are checked against their
 * conversation (cached per request), reading on until the page is full.
 */
export async function listTasks (ctx: PluginContext<TasksOptions>, user: AuthUser, args: TaskListArgs): Promise<TaskPage> {
  const first = pageSize(args.first ?? 50, 200)
  const where: string[] = []
  const params: unknown[] = []
  if (args.assigneeId != null) { where.push('t.assignee_id = ?'); params.push(checkId(args.assigneeId, '/assigneeId')) }
  if (args.status != null) { where.push('t.status = ?'); params.push(args.status) }
  if (args.conversationId != null) { where.push('t.conversation_id = ?'); params.push(checkId(args.conversationId, '/conversationId')) }
  let after = args.after == null ? null : decodeCursor(args.after)

  const seesAll = user.permissions.viewHistory === 'all'
  const conversations = new Map<string, boolean>()
  const visible = async (task: Task): Promise<boolean> => {
    if (seesAll || task.creatorId === user.id || task.assigneeId === user.id) return true
    let known = conversations.get(task.conversationId)
    if (known === undefined) {
      known = await maySeeTask(ctx, user, task)
      conversations.set(task.conversationId, known)
    }
    return known
  }

  const nodes: Task[] = []
  let scanned = 0
  let lastScanned: Task | undefined
  const limit = seesAll ? first + 1 : batchSize
  while (true) {
    const conditions = [...where]
    const values = [...params]
    if (after !== null) { conditions.push(`(${sortKey}, t.id) > (?::timestamptz, ?::bigint)`); values.push(...after) }
    const rows = await readRows(ctx,
      `${taskSelect} ${conditions.length > 0 ? `where ${conditions.join(' and ')}` : ''} order by ${sortKey}, t.id limit ${limit}`, values)
    for (const row of rows) {
      const task = toTask(ctx, row)
      scanned++
      if (await visible(task)) {
        if (nodes.length === first) return { nodes, nextCursor: encodeCursor(nodes[nodes.length - 1]) }
        nodes.push(task)
      }
      lastScanned = task
    }
    if (rows.length < limit) return { nodes, nextCursor: null }
    if (scanned >= maxScanned && lastScanned !== undefined) return { nodes, nextCursor: encodeCursor(lastScanned) }
    after = lastScanned === undefined ? after : [lastScanned.dueAt === null ? 'infinity' : lastScanned.dueAt.toISOString(), lastScanned.id]
  }
}
