// The tasks table: rows as records, who may see a task, reading and changing one.
import type { AuthUser, Id, PluginContext, Tx } from '@openline/sdk'
import { conversationUrl } from './source.ts'
import { notFound, passes, readRows } from './read.ts'
import type { TasksOptions } from './options.ts'

export type TaskStatus = 'open' | 'done'

export interface Task {
  id: Id
  title: string
  description: string
  dueAt: Date | null
  status: TaskStatus
  assigneeId: Id
  assignee: { id: Id, name: string }
  creatorId: Id
  creator: { id: Id, name: string }
  conversationId: Id
  messageId: Id | null
  conversationUrl: string
  createdAt: Date
  updatedAt: Date
  completedAt: Date | null
  completedById: Id | null
}

/** Columns of `tasks_tasks t` joined with its assignee `ua` and creator `uc`. */
export const taskSelect = `select t.id::text, t.title, t.description, t.due_at, t.status, t.assignee_id::text, ua.name as assignee_name,
    t.creator_id::text, uc.name as creator_name, t.conversation_id::text, t.message_id::text, t.created_at, t.updated_at,
    t.completed_at, t.completed_by::text
  from tasks_tasks t join users ua on ua.id = t.assignee_id join users uc on uc.id = t.creator_id`

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string))

export function toTask (ctx: PluginContext<TasksOptions>, row: Record<string, any>): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    dueAt: date(row.due_at),
    status: row.status,
    assigneeId: row.assignee_id,
    assignee: { id: row.assignee_id, name: row.assignee_name },
    creatorId: row.creator_id,
    creator: { id: row.creator_id, name: row.creator_name },
    conversationId: row.conversation_id,
    messageId: row.message_id ?? null,
    conversationUrl: conversationUrl(ctx, row.conversation_id),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    completedAt: date(row.completed_at),
    completedById: row.completed_by ?? null
  }
}

/** Its creator and assignee see a task; anyone else only if they may see its conversation. */
export async function maySeeTask (ctx: PluginContext<TasksOptions>, user: AuthUser, task: Pick<Task, 'creatorId' | 'assigneeId' | 'conversationId'>): Promise<boolean> {
  if (task.creatorId === user.id || task.assigneeId === user.id) return true
  return passes(ctx.conversations.visibleTo(user, task.conversationId))
}

export async function readTask (ctx: PluginContext<TasksOptions>, id: Id, tx?: Tx): Promise<Task | null> {
  const sql = `${taskSelect} where t.id = ?`
  const rows = tx === undefined ? await readRows(ctx, sql, [id]) : await tx.query<Record<string, any>>(sql, [id])
  return rows[0] === undefined ? null : toTask(ctx, rows[0])
}

/** The task if `user` may see it, else OL_NOT_FOUND (its existence is not told). */
export async function visibleTask (ctx: PluginContext<TasksOptions>, user: AuthUser, id: Id): Promise<Task> {
  const task = await readTask(ctx, id)
  if (task === null || !await maySeeTask(ctx, user, task)) throw notFound('Task')
  return task
}

export interface NewTask {
  title: string
  description: string
  dueAt: Date | null
  assigneeId: Id
  creatorId: Id
  conversationId: Id
  messageId: Id
}

export async function insertTask (ctx: PluginContext<TasksOptions>, tx: Tx, task: NewTask): Promise<Task> {
  const [row] = await tx.query<{ id: string }>(
    `insert into tasks_tasks (title, description, due_at, assignee_id, creator_id, conversation_id, message_id)
     values (?, ?, ?, ?, ?, ?, ?) returning id::text`,
    [task.title, task.description, task.dueAt, task.assigneeId, task.creatorId, task.conversationId, task.messageId])
  return await readTask(ctx, row.id, tx) as Task
}

/** Set the status; false when it already had it. */
export async function setTaskStatus (tx: Tx, id: Id, status: TaskStatus, byUserId: Id): Promise<boolean> {
  const rows = await tx.query(
    `update tasks_tasks set status = ?, updated_at = now(),
       completed_at = case when ? = 'done' then now() else null end,
       completed_by = case when ? = 'done' then ?::bigint else null end
     where id = ? and status <> ? returning id`, [status, status, status, byUserId, id, status])
  return rows.length > 0
}
