// The `kpi` settings group (A6, H1, H2) and the plugin's other inputs: every refusal is a field
// error with its path; a template that does not compile is refused when saved, not when sent.
import t from 'tap'
import { ALERTS, startKpi, type Kpi } from './helpers.ts'
import { kpiDefaults, shippedText, textLanguages, toHandlebars, renderAlert, readKpiSettings } from '../src/index.ts'

let k: Kpi
t.before(async () => { k = await startKpi(60_000) })
t.teardown(async () => { await k?.close() })

const SAVE = 'mutation ($id: ID!, $v: JSON!) { updateOpenChannelSettings(id: $id, group: "kpi", values: $v) { id settings } }'

async function refusal (channelId: string, values: Record<string, unknown>): Promise<{ code?: string, fields: { path: string, message: string }[] }> {
  const res = await k.admin.query(SAVE, { id: channelId, v: values })
  const error = res.errors?.[0]
  return { code: error?.extensions?.code, fields: error?.extensions?.fields ?? [] }
}

t.test('settings are validated on save, field by field', async (t) => {
  const ch = await k.channel('Settings')
  const agent = await k.h.createAgent({ name: 'Recipient' })

  const saved = await k.admin.query(SAVE, { id: ch.id, v: { firstResponse: { enabled: true, targetSec: 120 }, notify: { enabled: true, userIds: [agent.id], text: 'Hurry, #OPERATOR#: #DIALOG#' } } })
  t.notOk(saved.errors, 'a valid group is saved')
  t.same(saved.data.updateOpenChannelSettings.settings.kpi, {
    firstResponse: { enabled: true, targetSec: 120 },
    laterResponse: kpiDefaults.laterResponse,
    notify: { enabled: true, userIds: [agent.id], supervisors: false, assignee: false, text: 'Hurry, #OPERATOR#: #DIALOG#' }
  }, 'missing parts take their defaults')

  const cases: [string, Record<string, unknown>, string][] = [
    ['target below the minimum', { firstResponse: { enabled: true, targetSec: 5 } }, '/firstResponse/targetSec'],
    ['target not an integer', { laterResponse: { enabled: true, targetSec: 60.5 } }, '/laterResponse/targetSec'],
    ['target above a week', { laterResponse: { enabled: true, targetSec: 8 * 24 * 3600 } }, '/laterResponse/targetSec'],
    ['nobody to notify', { notify: { enabled: true } }, '/notify/userIds'],
    ['a user id that is no id', { notify: { enabled: true, userIds: ['abc'] } }, '/notify/userIds/0'],
    ['the same user twice', { notify: { enabled: true, userIds: [agent.id, agent.id] } }, '/notify/userIds'],
    ['a blank text', { notify: { enabled: true, supervisors: true, text: '   ' } }, '/notify/text'],
    ['an unclosed block', { notify: { enabled: true, supervisors: true, text: 'Late: #OPERATOR# {{#if dialog}}#DIALOG#' } }, '/notify/text'],
    ['a broken mustache', { notify: { enabled: true, supervisors: true, text: 'Late {{operator' } }, '/notify/text'],
    ['a text too long', { notify: { enabled: true, supervisors: true, text: 'x'.repeat(2001) } }, '/notify/text']
  ]
  for (const [what, values, path] of cases) {
    const { code, fields } = await refusal(ch.id, values)
    t.equal(code, 'OL_VALIDATION', `${what}: refused`)
    t.ok(fields.some(f => f.path === path), `${what}: error at ${path} (${JSON.stringify(fields)})`)
  }
  const syntax = await refusal(ch.id, { notify: { enabled: true, supervisors: true, text: 'Late: {{#if operator}}#OPERATOR#' } })
  t.match(syntax.fields[0].message, /^Template error/, 'a template error says so')

  // Recipients must be active users: checked against the database when saved.
  const gone = await k.h.createAgent({ name: 'Dismissed' })
  await k.sql('update users set active = false where id = ?', [gone.id])
  const unknown = await refusal(ch.id, { notify: { enabled: true, userIds: [agent.id, '999999999', gone.id] } })
  t.equal(unknown.code, 'OL_VALIDATION')
  t.same(unknown.fields.map(f => f.path), ['/notify/userIds/1', '/notify/userIds/2'], 'unknown and inactive users, by position')

  const read = await k.admin.query('query ($id: ID!) { openChannel(id: $id) { settings } }', { id: ch.id })
  t.equal(read.data?.openChannel?.settings.kpi.notify.text, 'Hurry, #OPERATOR#: #DIALOG#', 'refusals left the saved group alone')

  const agentClient = await k.h.createAgent()
  const forbidden = await agentClient.query(SAVE, { id: ch.id, v: {} })
  t.equal(forbidden.errors?.[0]?.extensions?.code, 'OL_FORBIDDEN', 'agents may not change open-channel settings')
})

t.test('the other inputs: statistics arguments, alert pages, marking read', async (t) => {
  const stats = (vars: Record<string, unknown>) => k.admin.query('query ($from: DateTime!, $to: DateTime!, $oc: ID, $ag: ID, $tz: String) { kpiStatistics(from: $from, to: $to, openChannelId: $oc, agentId: $ag, timeZone: $tz) { total { conversations } } }', vars)
  const month = { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' }
  const cases: [string, Record<string, unknown>, string][] = [
    ['to before from', { from: month.to, to: month.from }, '/to'],
    ['an empty period', { from: month.from, to: month.from }, '/to'],
    ['more than 400 days', { from: '2024-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }, '/to'],
    ['an open channel id that is no id', { ...month, oc: 'x1' }, '/openChannelId'],
    ['an agent id out of range', { ...month, ag: '99999999999999999999' }, '/agentId'],
    ['an unknown time zone', { ...month, tz: 'Mars/Olympus' }, '/timeZone']
  ]
  for (const [what, vars, path] of cases) {
    const res = await stats(vars)
    t.equal(res.errors?.[0]?.extensions?.code, 'OL_VALIDATION', `${what}: refused`)
    t.same(res.errors?.[0]?.extensions?.fields?.map((f: { path: string }) => f.path), [path], `${what}: at ${path}`)
  }
  t.notOk((await stats({ ...month, tz: 'America/Sao_Paulo' })).errors, 'a real time zone is fine')

  const page = await k.admin.query(ALERTS, { first: 0 })
  t.same(page.errors?.[0]?.extensions?.fields, [{ path: '/first', message: 'must be 1–200' }])
  const cursor = await k.admin.query(ALERTS, { after: 'abc' })
  t.same(cursor.errors?.[0]?.extensions?.fields?.[0]?.path, '/after')
  const marked = await k.admin.query('mutation ($ids: [ID!]!) { markKpiAlertsRead(ids: $ids) }', { ids: ['1', 'nope', '0'] })
  t.same(marked.errors?.[0]?.extensions?.fields?.map((f: { path: string }) => f.path), ['/ids/1', '/ids/2'])
  const anonymous = await k.h.agent().query(ALERTS, {})
  t.equal(anonymous.errors?.[0]?.extensions?.code, 'OL_UNAUTHENTICATED')
})

t.test('shipped texts: every language renders #OPERATOR# and #DIALOG#', async (t) => {
  const vars = { operator: 'Ana', dialog: '#7 (http://x/plugins/console/#/conversations/7)', dialogNumber: '7', dialogLink: 'http://x/plugins/console/#/conversations/7', channelName: 'Desk', clientName: '', firstResponse: true, target: '5 min', targetSec: 300 }
  const settings = readKpiSettings({})
  for (const language of textLanguages) {
    for (const kind of ['first', 'later'] as const) {
      const text = renderAlert(k.h.core, settings, language, kind, vars)
      t.ok(text.includes('Ana') && text.includes('#7 (http://x/plugins/console/#/conversations/7)') && text.includes('Desk') && text.includes('5 min'), `${language} ${kind}: ${text}`)
      t.notOk(/#OPERATOR#|#DIALOG#|\{\{/.test(text), `${language} ${kind}: no placeholder left`)
    }
    t.equal(k.h.core.templates.check(toHandlebars(shippedText('lateFirst', language)), '/x'), null)
  }
  const unassigned = renderAlert(k.h.core, settings, 'en', 'first', { ...vars, operator: '' })
  t.match(unassigned, /Nobody has taken it yet/, 'no agent yet: said so')
})
