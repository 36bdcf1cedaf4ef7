import t from 'tap'
import { loadConfig } from '@openline/core'
import { buildTestApp } from '@openline/testing'

// The shipped configuration loads every first-party plugin together: names, strategy ids,
// settings groups and migrations must not clash (what ./scripts/start runs).
t.test('all first-party plugins boot together from the shipped configuration', async (t) => {
  const shipped = loadConfig({ env: {} }).plugins
  t.ok(shipped.length >= 6, 'the default configuration lists the first-party plugins')
  const h = await buildTestApp({ config: { plugins: shipped } })
  t.teardown(() => h.close())
  const admin = await h.login(h.admin.email, h.admin.password)
  const res = await admin.query('{ connectors { id } settingsGroups { id choices { id } } }')
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  t.same(res.data.connectors.map((c: any) => c.id).sort(), ['facebook-comments', 'instagram', 'messenger', 'telegram', 'viber', 'webchat', 'whatsapp'])
  const groups = new Map(res.data.settingsGroups.map((g: any) => [g.id, g]))
  for (const id of ['queue', 'workingHours', 'consent', 'automaticActions']) t.ok(groups.has(id), `settings group ${id}`)
  t.same((groups.get('queue') as any).choices.map((c: any) => c.id).sort(), ['evenly', 'in-order', 'to-all'])
})
