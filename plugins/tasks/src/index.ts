// @openline/plugin-tasks: tasks and calendar events made from a message (K6), with the
// assignee told at once and the event downloadable as an iCalendar file.
import { definePlugin } from '@openline/sdk'
import { migrations } from './migrations.ts'
import { tasksOptions } from './options.ts'
import { tasksGraphql } from './graphql.ts'

export { taskCreated, taskStatusChanged, calendarEventCreated, tasksEvents } from './events.ts'
export { buildIcs, escapeText, foldLine, icsDateTime, type IcsEvent, type IcsPerson } from './ics.ts'
export { assignedTopic } from './graphql.ts'
export { tasksOptions, type TasksOptions } from './options.ts'
export type { Task, TaskStatus } from './tasks.ts'
export type { CalendarEvent } from './calendar.ts'

export const tasksPlugin = definePlugin({
  name: 'tasks',
  version: '0.1.0',
  core: '^0.1.0',
  options: tasksOptions,
  migrations,
  graphql: { agent: tasksGraphql }
})

export default tasksPlugin
