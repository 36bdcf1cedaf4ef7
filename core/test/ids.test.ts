import t from 'tap'
import { isId } from '../src/ids.ts'
import { buildTestApp } from '@openline/testing'

t.test('ids are positive bigints written plainly', async (t) => {
  for (const ok of ['1', '42', '9223372036854775807']) t.ok(isId(ok), ok)
  for (const bad of ['0', '01', '-1', '1.5', '9223372036854775808', '99999999999999999999', '', ' 1', '1e3', 1, null]) t.notOk(isId(bad), String(bad))
})

t.test('an id out of bigint range is a validation error, not a database failure', async (t) => {
  const h = await buildTestApp()
  t.teardown(() => h.close())
  const admin = await h.login(h.admin.email, h.admin.password)
  for (const query of ['{ conversation(id: "9999999999999999999") { id } }', '{ messages(conversationId: "9223372036854775808") { nodes { id } } }']) {
    const res = await admin.query(query)
    t.equal(res.errors?.[0].extensions?.code, 'OL_VALIDATION', query)
  }
  const inRange = await admin.query('{ conversation(id: "9223372036854775807") { id } }')
  t.same(inRange, { data: { conversation: null } }, 'a well-formed id that does not exist is simply not found')
})
