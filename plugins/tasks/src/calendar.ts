// Calendar events made from a message: checked, written as iCalendar, stored, and read back.
import { randomUUID } from 'node:crypto'
import type { AuthUser, FieldError, Id, PluginContext } from '@openline/sdk'
import { buildIcs } from './ics.ts'
import { invalid, notFound, passes, readRows } from './read.ts'
import { conversationUrl, firstLine, type Source } from './source.ts'
import { activeStaff } from './users.ts'
import { calendarEventCreated } from './events.ts'
import type { TasksOptions } from './options.ts'

export const eventLimits = { title: 200, attendees: 100, days: 366 } as const

export interface CalendarEventInput {
  title?: string | null
  startsAt: Date
  endsAt: Date
  attendeeIds?: string[] | null
}

export interface CalendarEvent {
  id: Id
  uid: string
  title: string
  description: string
  startsAt: Date
  endsAt: Date
  creatorId: Id
  attendees: { id: Id, name: string }[]
  conversationId: Id
  messageId: Id | null
  conversationUrl: string
  createdAt: Date
  ics: string
  icsStorageKey: string
}

function inputErrors (input: CalendarEventInput, title: string): FieldError[] {
  const fields: FieldError[] = []
  if (title === '') fields.push({ path: '/title', message: 'required: the message has no text to take it from' })
  else if (title.length > eventLimits.title) fields.push({ path: '/title', message: `must be at most ${eventLimits.title} characters` })
  if (input.endsAt.getTime() <= input.startsAt.getTime()) fields.push({ path: '/endsAt', message: 'must be after startsAt' })
  else if (input.endsAt.getTime() - input.startsAt.getTime() > eventLimits.days * 86_400_000) fields.push({ path: '/endsAt', message: `must be within ${eventLimits.days} days of startsAt` })
  if ((input.attendeeIds ?? []).length > eventLimits.attendees) fields.push({ path: '/attendeeIds', message: `at most ${eventLimits.attendees}` })
  return fields
}

/** A name safe for a file: no path or control characters, bounded. */
export function icsFileName (title: string): string {
  const cleaned = title.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 100)
  return `${cleaned === '' ? 'event' : cleaned}.ics`
}

/**
 * Make the event: the message's text and a link to the conversation as its description, the
 * creator as organizer, attendees active staff. The .ics is kept in file storage for download.
 */
export async function createCalendarEvent (ctx: PluginContext<TasksOptions>, user: AuthUser, source: Source, input: CalendarEventInput): Promise<CalendarEvent> {
  const title = input.title?.trim() || firstLine(source.message.body, eventLimits.title)
  const fields = inputErrors(input, title)
  const attendeeIds = [...new Set(input.attendeeIds ?? [])]
  const { staff, errors } = await activeStaff(ctx, attendeeIds, (i) => `/attendeeIds/${(input.attendeeIds ?? []).indexOf(attendeeIds[i])}`)
  fields.push(...errors)
  if (fields.length > 0) throw invalid('calendar event', fields)

  const link = conversationUrl(ctx, source.conversation.id)
  const description = `${source.message.body.trim()}\n\n${link}`
  const uid = `${randomUUID()}@${new URL(ctx.config.publicUrl).hostname}`
  const ics = buildIcs({
    uid, stamp: new Date(), start: input.startsAt, end: input.endsAt, summary: title, description, url: link,
    organizer: { name: user.name, email: user.email },
    attendees: staff
  })
  const { storageKey } = await ctx.files.store(Buffer.from(ics, 'utf8'))
  const id = await ctx.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `insert into tasks_calendar_events (uid, title, description, starts_at, ends_at, creator_id, conversation_id, message_id, ics, ics_storage_key)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id::text`,
      [uid, title, description, input.startsAt, input.endsAt, user.id, source.conversation.id, source.message.id, ics, storageKey])
    for (const attendee of staff) await tx.query('insert into tasks_calendar_attendees (event_id, user_id) values (?, ?)', [row.id, attendee.id])
    tx.emit(calendarEventCreated, {
      eventId: row.id, conversationId: source.conversation.id, messageId: source.message.id, creatorId: user.id,
      attendeeIds: staff.map(s => s.id), startsAt: input.startsAt.toISOString(), endsAt: input.endsAt.toISOString()
    })
    return row.id
  })
  return await readEvent(ctx, id) as CalendarEvent
}

export async function readEvent (ctx: PluginContext<TasksOptions>, id: Id): Promise<CalendarEvent | null> {
  const [row] = await readRows(ctx,
    `select e.id::text, e.uid, e.title, e.description, e.starts_at, e.ends_at, e.creator_id::text, e.conversation_id::text,
            e.message_id::text, e.created_at, e.ics, e.ics_storage_key,
            coalesce((select json_agg(json_build_object('id', u.id::text, 'name', u.name) order by u.name, u.id)
                        from tasks_calendar_attendees a join users u on u.id = a.user_id where a.event_id = e.id), '[]') as attendees
       from tasks_calendar_events e where e.id = ?`, [id])
  if (row === undefined) return null
  return {
    id: row.id,
    uid: row.uid,
    title: row.title,
    description: row.description,
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    creatorId: row.creator_id,
    attendees: typeof row.attendees === 'string' ? JSON.parse(row.attendees) : row.attendees,
    conversationId: row.conversation_id,
    messageId: row.message_id ?? null,
    conversationUrl: conversationUrl(ctx, row.conversation_id),
    createdAt: new Date(row.created_at),
    ics: row.ics,
    icsStorageKey: row.ics_storage_key
  }
}

/** Its creator and attendees see an event; anyone else only if they may see its conversation. */
export async function visibleEvent (ctx: PluginContext<TasksOptions>, user: AuthUser, id: Id): Promise<CalendarEvent> {
  const event = await readEvent(ctx, id)
  if (event === null) throw notFound('Calendar event')
  if (event.creatorId === user.id || event.attendees.some(a => a.id === user.id)) return event
  if (!await passes(ctx.conversations.visibleTo(user, event.conversationId))) throw notFound('Calendar event')
  return event
}
