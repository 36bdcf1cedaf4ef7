import { defineEvent, type Id } from '@openline/sdk'

/** A task was made from a message; subscribers run after commit. */
export const taskCreated = defineEvent<{ taskId: Id, conversationId: Id, messageId: Id | null, creatorId: Id, assigneeId: Id, dueAt: string | null }>('tasks.taskCreated')

/** A task was completed or reopened. */
export const taskStatusChanged = defineEvent<{ taskId: Id, conversationId: Id, status: 'open' | 'done', byUserId: Id }>('tasks.taskStatusChanged')

/** A calendar event was made from a message. */
export const calendarEventCreated = defineEvent<{ eventId: Id, conversationId: Id, messageId: Id | null, creatorId: Id, attendeeIds: Id[], startsAt: string, endsAt: string }>('tasks.calendarEventCreated')

export const tasksEvents = { taskCreated, taskStatusChanged, calendarEventCreated } as const
