// Calendar events made from a message: the .ics as a calendar reads it (escaping, folding, UTC),
// the download link, who sees an event, and the checks.
import t from 'tap'
import { until } from '@openline/testing'
import { code, ok, paths, startScene, type Scene, type Staff } from './helpers.ts'
import { parseIcs, unescapeText } from './icsParse.ts'

const EVENT = 'id uid title description startsAt endsAt creatorId attendees { id name } conversationId messageId conversationUrl ics icsUrl'
const CREATE = `mutation ($m: ID!, $i: CreateCalendarEventInput!) { createCalendarEventFromMessage(messageId: $m, input: $i) { ${EVENT} } }`
const ONE = `query ($id: ID!) { calendarEvent(id: $id) { ${EVENT} } }`

interface CalendarEvent { id: string, uid: string, title: string, description: string, startsAt: string, endsAt: string, creatorId: string, attendees: { id: string, name: string }[], conversationId: string, messageId: string, conversationUrl: string, ics: string, icsUrl: string }

let scene: Scene
let carla: Staff
let davi: Staff
let eva: Staff
t.before(async () => {
  scene = await startScene()
  carla = await scene.h.createAgent({ name: 'Carla, "Suporte"; Nível 2' })
  davi = await scene.h.createAgent({ name: 'Davi Rocha' })
  eva = await scene.h.createAgent({ name: 'Eva Lima' })
})
t.teardown(() => scene?.close())

t.test('an event from a message: its .ics reads back as written, in UTC, escaped and folded', async (t) => {
  const body = 'Reunião com o cliente; trazer contrato, proposta e orçamento\\v2\nEndereço: Rua das Flores, 123 — sala 4, São Paulo; portaria pede documento com foto'
  const { conversationId, messageId } = await scene.conversationOf(carla, body)
  const created = ok(await carla.query<{ createCalendarEventFromMessage: CalendarEvent }>(CREATE, {
    m: messageId,
    i: { startsAt: '2026-05-04T09:00:00-03:00', endsAt: '2026-05-04T10:30:00-03:00', attendeeIds: [davi.id, davi.id] }
  })).createCalendarEventFromMessage
  const link = `${scene.h.url}/plugins/console/#/conversations/${conversationId}`
  t.match(created, {
    title: 'Reunião com o cliente; trazer contrato, proposta e orçamento\\v2',
    description: `${body}\n\n${link}`,
    startsAt: '2026-05-04T12:00:00.000Z', endsAt: '2026-05-04T13:30:00.000Z',
    creatorId: carla.id, attendees: [{ id: davi.id, name: 'Davi Rocha' }], conversationId, messageId, conversationUrl: link
  })

  const props = parseIcs(created.ics)
  const get = (name: string) => props.filter(p => p.name === name)
  t.same(props.slice(0, 2).map(p => `${p.name}:${p.value}`), ['BEGIN:VCALENDAR', 'VERSION:2.0'])
  t.same(get('BEGIN').map(p => p.value), ['VCALENDAR', 'VEVENT'])
  t.same(get('END').map(p => p.value), ['VEVENT', 'VCALENDAR'])
  t.equal(get('UID')[0].value, created.uid)
  t.match(created.uid, /@127\.0\.0\.1$/)
  t.equal(get('DTSTART')[0].value, '20260504T120000Z', 'UTC')
  t.equal(get('DTEND')[0].value, '20260504T133000Z')
  t.match(get('DTSTAMP')[0].value, /^\d{8}T\d{6}Z$/)
  t.equal(unescapeText(get('SUMMARY')[0].value), created.title)
  t.equal(get('SUMMARY')[0].value, 'Reunião com o cliente\\; trazer contrato\\, proposta e orçamento\\\\v2', 'escaped as RFC 5545 says')
  t.equal(unescapeText(get('DESCRIPTION')[0].value), `${body}\n\n${link}`, 'the message and the link')
  t.equal(get('URL')[0].value, link)
  t.same(get('ORGANIZER').map(p => [p.params.CN, p.value]), [['Carla, Suporte; Nível 2', `mailto:${carla.email}`]])
  t.same(get('ATTENDEE').map(p => [p.params.CN, p.value]), [['Davi Rocha', `mailto:${davi.email}`]], 'each attendee once')
  t.ok(created.ics.split('\r\n').some(line => line.startsWith(' ')), 'the long description was folded')

  const download = await fetch(created.icsUrl)
  t.equal(download.status, 200)
  t.equal(await download.text(), created.ics, 'the link serves the same file')
  t.match(download.headers.get('content-disposition'), /\.ics/)

  const recorded = await until('calendarEventCreated', async () => scene.events.find(e => e.event === 'calendarEventCreated' && e.payload.eventId === created.id), e => e !== undefined)
  t.same(recorded?.payload, { eventId: created.id, conversationId, messageId, creatorId: carla.id, attendeeIds: [davi.id], startsAt: '2026-05-04T12:00:00.000Z', endsAt: '2026-05-04T13:30:00.000Z' })
})

t.test('creator and attendees see an event; others only with its conversation', async (t) => {
  const { messageId } = await scene.conversationOf(carla, 'Visita técnica')
  const made = ok(await carla.query<{ createCalendarEventFromMessage: CalendarEvent }>(CREATE, { m: messageId, i: { title: 'Visita', startsAt: '2026-06-01T08:00:00Z', endsAt: '2026-06-01T09:00:00Z', attendeeIds: [davi.id] } })).createCalendarEventFromMessage
  const sees = async (who: typeof scene.admin): Promise<boolean> => ok(await who.query<{ calendarEvent: CalendarEvent | null }>(ONE, { id: made.id })).calendarEvent !== null
  t.ok(await sees(carla))
  t.ok(await sees(davi), 'an attendee who cannot see the conversation')
  t.notOk(await sees(eva))
  t.ok(await sees(scene.admin))
  t.equal(ok(await carla.query<{ calendarEvent: CalendarEvent | null }>(ONE, { id: '999999999' })).calendarEvent, null)
  t.equal(code(await scene.h.agent().query(ONE, { id: made.id })), 'OL_UNAUTHENTICATED')
})

t.test('checks: only visible messages, times in order, active attendees', async (t) => {
  const { messageId } = await scene.conversationOf(carla, 'Treinamento')
  const times = { startsAt: '2026-06-01T08:00:00Z', endsAt: '2026-06-01T09:00:00Z' }
  t.equal(code(await eva.query(CREATE, { m: messageId, i: times })), 'OL_NOT_FOUND', 'a message Eva may not see')
  t.same(paths(await carla.query(CREATE, { m: 'x', i: times })), ['/messageId'])
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { ...times, endsAt: times.startsAt } })), ['/endsAt'], 'ends when it starts')
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { ...times, endsAt: '2027-06-03T08:00:00Z' } })), ['/endsAt'], 'longer than 366 days')
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { ...times, attendeeIds: [davi.id, '999999999', 'abc'] } })), ['/attendeeIds/1', '/attendeeIds/2'])
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { ...times, title: 't'.repeat(201) } })), ['/title'])
  t.equal(code(await carla.query(CREATE, { m: messageId, i: { ...times, startsAt: 'tomorrow' } })), 'OL_VALIDATION')
  const none = ok(await carla.query<{ createCalendarEventFromMessage: CalendarEvent }>(CREATE, { m: messageId, i: times })).createCalendarEventFromMessage
  t.same(none.attendees, [], 'attendees are optional')
  t.equal(none.title, 'Treinamento')
})
