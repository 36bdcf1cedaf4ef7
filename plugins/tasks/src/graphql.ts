// The staff API of tasks and calendar events made from a message (K6).
import { OpenlineError, errorCodes, type AgentContext, type GraphQLExtension, type PluginContext } from '@openline/sdk'
import { checkId, orNull } from './read.ts'
import { sourceMessage } from './source.ts'
import { insertTask, readTask, setTaskStatus, visibleTask, type Task, type TaskStatus } from './tasks.ts'
import { taskFromInput, type TaskInput } from './taskInput.ts'
import { listTasks, type TaskListArgs } from './taskList.ts'
import { createCalendarEvent, icsFileName, visibleEvent, type CalendarEvent, type CalendarEventInput } from './calendar.ts'
import { taskCreated, taskStatusChanged } from './events.ts'
import type { TasksOptions } from './options.ts'

export const typeDefs = /* GraphQL */ `
  enum TaskStatus { open done }

  type TaskUser { id: ID!, name: String! }

  "A task made from a message (K6). Its creator and assignee see it; others only if they see its conversation."
  type Task {
    id: ID!
    title: String!
    description: String!
    dueAt: DateTime
    status: TaskStatus!
    assigneeId: ID!
    assignee: TaskUser!
    creatorId: ID!
    creator: TaskUser!
    conversationId: ID!
    "Null once the message is gone."
    messageId: ID
    "Where staff open the conversation."
    conversationUrl: String!
    createdAt: DateTime!
    updatedAt: DateTime!
    completedAt: DateTime
    completedById: ID
  }

  type TaskPage { nodes: [Task!]!, nextCursor: String }

  input CreateTaskInput {
    "Default: the message's first line (at most 200 characters)."
    title: String
    "Default: the message's text."
    description: String
    dueAt: DateTime
    "An active user; default: you."
    assigneeId: ID
  }

  "A calendar event made from a message (K6): the message and a link to its conversation in the description."
  type CalendarEvent {
    id: ID!
    "The iCalendar UID."
    uid: String!
    title: String!
    description: String!
    startsAt: DateTime!
    endsAt: DateTime!
    creatorId: ID!
    attendees: [TaskUser!]!
    conversationId: ID!
    messageId: ID
    conversationUrl: String!
    createdAt: DateTime!
    "The event as an iCalendar (RFC 5545) file."
    ics: String!
    "A download link to the .ics, valid for 15 minutes."
    icsUrl: String!
  }

  input CreateCalendarEventInput {
    "Default: the message's first line (at most 200 characters)."
    title: String
    startsAt: DateTime!
    "After startsAt, within 366 days of it."
    endsAt: DateTime!
    "Active users, at most 100."
    attendeeIds: [ID!]
  }

  extend type Query {
    "Tasks you may see, due first (none last). A page may hold fewer than first tasks when many are hidden from you: follow nextCursor."
    tasks(assigneeId: ID, status: TaskStatus, conversationId: ID, first: Int = 50, after: String): TaskPage!
    "Tasks assigned to you."
    myTasks(status: TaskStatus = open, first: Int = 50, after: String): TaskPage!
    task(id: ID!): Task
    calendarEvent(id: ID!): CalendarEvent
  }

  extend type Mutation {
    "A task from a message of a conversation you see (internal notes too)."
    createTaskFromMessage(messageId: ID!, input: CreateTaskInput): Task!
    "Its creator or assignee."
    completeTask(id: ID!): Task!
    "Its creator or assignee."
    reopenTask(id: ID!): Task!
    "A calendar event from a message of a conversation you see."
    createCalendarEventFromMessage(messageId: ID!, input: CreateCalendarEventInput!): CalendarEvent!
  }

  extend type Subscription {
    "Tasks assigned to you as they are made."
    taskAssigned: Task!
  }
`

/** The topic a user's `taskAssigned` subscription listens on. */
export const assignedTopic = (userId: string): string => `tasks:assigned:${userId}`

interface SubscriptionContext extends AgentContext {
  pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> }
}

export function tasksGraphql (ctx: PluginContext<TasksOptions>): GraphQLExtension {
  async function changeStatus (context: AgentContext, id: string, status: TaskStatus): Promise<Task> {
    const user = context.requireUser()
    const task = await visibleTask(ctx, user, checkId(id, '/id'))
    if (task.creatorId !== user.id && task.assigneeId !== user.id) {
      throw new OpenlineError(errorCodes.forbidden, 'Only the task\'s creator or assignee may change its status', { statusCode: 403 })
    }
    return ctx.transaction(async (tx) => {
      if (await setTaskStatus(tx, task.id, status, user.id)) tx.emit(taskStatusChanged, { taskId: task.id, conversationId: task.conversationId, status, byUserId: user.id })
      return await readTask(ctx, task.id, tx) as Task
    })
  }

  return {
    typeDefs,
    resolvers: {
      Query: {
        tasks: async (_: unknown, args: TaskListArgs, context: AgentContext) => listTasks(ctx, context.requireUser(), args),
        myTasks: async (_: unknown, args: Omit<TaskListArgs, 'assigneeId' | 'conversationId'>, context: AgentContext) => {
          const user = context.requireUser()
          return listTasks(ctx, user, { ...args, assigneeId: user.id })
        },
        task: async (_: unknown, args: { id: string }, context: AgentContext) => {
          const user = context.requireUser()
          return orNull(visibleTask(ctx, user, checkId(args.id, '/id')))
        },
        calendarEvent: async (_: unknown, args: { id: string }, context: AgentContext) => {
          const user = context.requireUser()
          return orNull(visibleEvent(ctx, user, checkId(args.id, '/id')))
        }
      },
      Mutation: {
        createTaskFromMessage: async (_: unknown, args: { messageId: string, input?: TaskInput | null }, context: AgentContext) => {
          const user = context.requireUser()
          const source = await sourceMessage(ctx, user, args.messageId)
          const values = await taskFromInput(ctx, user, source, args.input ?? {})
          return ctx.transaction(async (tx) => {
            const task = await insertTask(ctx, tx, values)
            tx.emit(taskCreated, {
              taskId: task.id, conversationId: task.conversationId, messageId: task.messageId, creatorId: task.creatorId,
              assigneeId: task.assigneeId, dueAt: task.dueAt?.toISOString() ?? null
            })
            tx.afterCommit(() => ctx.publish(assignedTopic(task.assigneeId), { taskAssigned: task }))
            return task
          })
        },
        completeTask: async (_: unknown, args: { id: string }, context: AgentContext) => changeStatus(context, args.id, 'done'),
        reopenTask: async (_: unknown, args: { id: string }, context: AgentContext) => changeStatus(context, args.id, 'open'),
        createCalendarEventFromMessage: async (_: unknown, args: { messageId: string, input: CalendarEventInput }, context: AgentContext) => {
          const user = context.requireUser()
          const source = await sourceMessage(ctx, user, args.messageId)
          return createCalendarEvent(ctx, user, source, args.input)
        }
      },
      CalendarEvent: {
        icsUrl: (event: CalendarEvent) => ctx.files.signedUrl({ storageKey: event.icsStorageKey, name: icsFileName(event.title), mimeType: 'text/calendar' })
      },
      Subscription: {
        taskAssigned: {
          subscribe: async (_: unknown, _args: unknown, context: SubscriptionContext) => {
            const user = context.requireUser()
            return context.pubsub.subscribe(assignedTopic(user.id))
          }
        }
      }
    }
  }
}
