// The change log behind routing's member cache (migration 0006, core/src/routing/memberCache.ts),
// on a real database with a clock the test moves: rows are deleted only once no cache that is
// still used can need them, and a cache older than that reads its queue in full.
import t from 'tap'
import { buildTestApp, type TestApp } from '@openline/testing'
import { createMemberCache } from '../src/routing/memberCache.ts'
import { readRoutingSettings } from '../src/routing/queueSettings.ts'

let h: TestApp
t.before(async () => { h = await buildTestApp() })
t.teardown(() => h?.close())

const minute = 60_000
const settings = readRoutingSettings({ checkAvailability: false })
const sql = <Row = Record<string, any>>(query: string, params: unknown[] = []): Promise<Row[]> => h.core.transaction(tx => tx.query<Row>(query, params))
const changeRows = async (): Promise<number> => (await sql<{ n: number }>('select count(*)::int as n from routing_changes'))[0].n

async function openChannel (name: string, userIds: string[]): Promise<string> {
  const [{ id }] = await sql<{ id: string }>('insert into open_channels (name) values (?) returning id::text', [name])
  for (const [position, userId] of userIds.entries()) await sql('insert into queue_members (open_channel_id, position, user_id) values (?, ?, ?)', [id, position, userId])
  return id
}

t.test('change rows are pruned only past every cache still in use', async (t) => {
  let clock = 1_700_000_000_000
  const cache = createMemberCache({ now: () => clock })
  const members = async (openChannelId: string): Promise<string[]> => (await h.core.transaction(tx => cache.read(tx, openChannelId, settings))).members.map(m => m.userId)
  const prune = (): Promise<void> => h.core.transaction(tx => cache.prune(tx))
  const [x, y, z] = [await h.createAgent(), await h.createAgent(), await h.createAgent()]
  const first = await openChannel('Log one', [x.id])
  const second = await openChannel('Log two', [x.id])

  t.same(await members(first), [x.id], 'read in full')
  t.same(await members(second), [x.id])
  await sql('insert into queue_members (open_channel_id, position, user_id) values (?, 1, ?)', [first, y.id])
  // Every transaction below this id had ended by now; so had they when the cache reads next (a mark for pruning).
  const [{ ended }] = await sql<{ ended: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as ended')
  clock += minute
  t.same(await members(first), [x.id, y.id], 'the change, from the log')
  const logged = await changeRows()
  t.ok(logged > 0, `changes are logged (${logged} rows)`)

  clock += 5 * minute
  await prune()
  t.equal(await changeRows(), logged, 'nothing is old enough to go yet')

  // `second` is read at minute 14 and changed right after; at minute 16 rows up to minute 1 may go.
  clock += 8 * minute
  t.same(await members(second), [x.id])
  const [{ last }] = await sql<{ last: string }>('select max(xid)::text as last from routing_changes')
  await sql("with d as (insert into departments (name) values ('Log dept') returning id) insert into department_members (department_id, user_id) select d.id, ? from d", [z.id])
  await sql("insert into queue_members (open_channel_id, position, department_id) select ?, 1, id from departments where name = 'Log dept'", [second])
  t.equal(await changeRows(), logged + 2, 'a member and a department logged')
  clock += 2 * minute
  t.same(await members(first), [x.id, y.id], 'too old to trust the log: read in full again')
  await prune()
  const [{ n: older }] = await sql<{ n: number }>('select count(*)::int as n from routing_changes where xid < ?::xid8', [ended])
  t.equal(older, 0, 'rows of transactions that ended before a read fifteen minutes ago are gone')
  const kept = await sql<{ n: number }>('select count(*)::int as n from routing_changes where xid > ?::xid8', [last])
  t.equal(kept[0].n, 2, 'the two rows a cache still in use needs are kept')
  clock += minute
  t.same(await members(second), [x.id, z.id], 'a cache read within the last ten minutes still finds its changes')
})
