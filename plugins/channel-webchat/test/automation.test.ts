// With the automation plugin loaded: the widget shows itself only during working hours when the
// channel says so (C3, issue #3), and the consent notice (D1) arrives with a button whose press
// records the consent.
import t from 'tap'
import automationPlugin from '@openline/plugin-automation'
import { until, type AgentClient, type TestApp } from '@openline/testing'
import { EVENTS, createWidget, say, startApp, startVisitor, visitorClient } from './helpers.ts'

let h: TestApp
let admin: AgentClient

t.before(async () => {
  ({ h, admin } = await startApp({ plugins: [automationPlugin] }))
})
t.teardown(async () => { await h?.close() })

const UPDATE = 'mutation ($id: ID!, $group: String!, $values: JSON!) { updateOpenChannelSettings(id: $id, group: $group, values: $values) { id } }'
const WIDGET = 'query($k: String!) { widget(key: $k) { show consent { text version } } }'

const allDays = (intervals: { from: string, to: string }[]): Record<string, { from: string, to: string }[]> =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map(d => [d, intervals]))

async function settle (id: string, group: string, values: Record<string, unknown>): Promise<void> {
  const res = await admin.query(UPDATE, { id, group, values })
  if (res.errors !== undefined) throw new Error(JSON.stringify(res.errors))
}

t.test('show follows working hours when the widget is limited to them', async (t) => {
  const widget = await createWidget(admin, 'Hours shop')
  const show = async (): Promise<boolean> => (await visitorClient(h.url).query(WIDGET, { k: widget.key })).data.widget.show
  t.equal(await show(), true, 'working hours off')
  const closed = { enabled: true, timezone: 'Europe/Warsaw', week: allDays([]), daysOff: [], widgetOnlyDuringHours: true }
  await settle(widget.openChannelId, 'workingHours', closed)
  t.equal(await show(), false, 'closed all week')
  await settle(widget.openChannelId, 'workingHours', { ...closed, widgetOnlyDuringHours: false })
  t.equal(await show(), true, 'closed, but the widget is not limited to the hours')
  await settle(widget.openChannelId, 'workingHours', { ...closed, week: allDays([{ from: '00:00', to: '24:00' }]) })
  t.equal(await show(), true, 'open around the clock')
  // Today in the channel's zone is a holiday: closed although every day is open around the clock.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Warsaw', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
  await settle(widget.openChannelId, 'workingHours', { ...closed, week: allDays([{ from: '00:00', to: '24:00' }]), holidays: [today] })
  t.equal(await show(), false, 'closed on a holiday')
})

t.test('the consent notice: offered by the widget, sent with a button, accepted by pressing it', async (t) => {
  const widget = await createWidget(admin, 'Consent shop')
  await settle(widget.openChannelId, 'consent', { enabled: true, textVersion: 'w1' })
  const info = (await visitorClient(h.url).query(WIDGET, { k: widget.key })).data.widget
  t.equal(info.consent.version, 'w1')
  t.match(info.consent.text, /Consent shop processes the personal data/)
  t.match(info.consent.text, /Notice version: w1/)

  const visitor = await startVisitor(h.url, widget)
  t.teardown(() => visitor.close())
  const events = await visitor.subscribe(EVENTS)
  await say(visitor, 'Hello')
  let notice: any
  while (notice === undefined) {
    const event = (await events.next(8000)).data.visitorEvents
    if (event.message?.buttons.length > 0) notice = event.message
  }
  t.same(notice.buttons, [{ text: 'I agree', data: 'consent:accept:w1', url: null }])
  t.equal(notice.senderName, null, 'an automatic message carries no person')
  const pressed = await visitor.query('mutation($id: ID!, $d: String!) { pressButton(messageId: $id, data: $d) { text } }', { id: notice.id, d: 'consent:accept:w1' })
  t.equal(pressed.data.pressButton.text, 'I agree')
  const rows = await (h.core.orm.em.fork() as any).execute('select client_id::text as id from conversations where open_channel_id = ?', [widget.openChannelId]) as { id: string }[]
  const consents = await until('consent recorded', async () => (await admin.query('query($id: ID!) { clientConsents(clientId: $id) { textVersion source } }', { id: rows[0].id })).data.clientConsents, c => c.length > 0)
  t.same(consents, [{ textVersion: 'w1', source: 'button' }])
})
