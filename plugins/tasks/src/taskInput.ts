// Checking `createTaskFromMessage` input: every problem as a field error, all at once.
import type { AuthUser, FieldError, PluginContext } from '@openline/sdk'
import { invalid } from './read.ts'
import { firstLine, type Source } from './source.ts'
import { activeStaff } from './users.ts'
import type { NewTask } from './tasks.ts'

export const taskLimits = { title: 200, description: 10_000 } as const

export interface TaskInput {
  title?: string | null
  description?: string | null
  dueAt?: Date | null
  assigneeId?: string | null
}

/**
 * The task to store: title defaults to the message's first line, description to its text,
 * assignee to the creator, who must be an active user.
 */
export async function taskFromInput (ctx: PluginContext<any>, user: AuthUser, source: Source, input: TaskInput): Promise<NewTask> {
  const fields: FieldError[] = []
  const title = input.title?.trim() || firstLine(source.message.body, taskLimits.title)
  if (title === '') fields.push({ path: '/title', message: 'required: the message has no text to take it from' })
  else if (title.length > taskLimits.title) fields.push({ path: '/title', message: `must be at most ${taskLimits.title} characters` })
  const description = input.description ?? source.message.body.slice(0, taskLimits.description)
  if (description.length > taskLimits.description) fields.push({ path: '/description', message: `must be at most ${taskLimits.description} characters` })
  const assigneeId = input.assigneeId ?? user.id
  const { errors } = await activeStaff(ctx, [assigneeId], () => '/assigneeId')
  fields.push(...errors)
  if (fields.length > 0) throw invalid('task', fields)
  return {
    title,
    description,
    dueAt: input.dueAt ?? null,
    assigneeId,
    creatorId: user.id,
    conversationId: source.conversation.id,
    messageId: source.message.id
  }
}
