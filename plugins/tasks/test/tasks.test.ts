// Tasks made from a message, through the staff API: defaults, checks, who sees them, status,
// lists a page at a time, the assignee's subscription and the plugin's events.
import t from 'tap'
import { until } from '@openline/testing'
import { code, ok, paths, startScene, type Scene, type Staff } from './helpers.ts'

const TASK = 'id title description dueAt status assigneeId assignee { id name } creatorId creator { name } conversationId messageId conversationUrl completedAt completedById'
const CREATE = `mutation ($m: ID!, $i: CreateTaskInput) { createTaskFromMessage(messageId: $m, input: $i) { ${TASK} } }`
const ONE = `query ($id: ID!) { task(id: $id) { ${TASK} } }`
const LIST = `query ($a: ID, $s: TaskStatus, $c: ID, $f: Int, $after: String) { tasks(assigneeId: $a, status: $s, conversationId: $c, first: $f, after: $after) { nodes { id title dueAt } nextCursor } }`
const MINE = 'query ($s: TaskStatus) { myTasks(status: $s) { nodes { id status } nextCursor } }'
const COMPLETE = `mutation ($id: ID!) { completeTask(id: $id) { ${TASK} } }`
const REOPEN = `mutation ($id: ID!) { reopenTask(id: $id) { ${TASK} } }`
const NOTE = 'mutation ($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b, internal: true) { id } }'

interface Task { id: string, title: string, description: string, dueAt: string | null, status: string, assigneeId: string, assignee: { id: string, name: string }, creatorId: string, creator: { name: string }, conversationId: string, messageId: string | null, conversationUrl: string, completedAt: string | null, completedById: string | null }
interface Page { tasks: { nodes: { id: string, title: string, dueAt: string | null }[], nextCursor: string | null } }

let scene: Scene
let carla: Staff
let davi: Staff
let eva: Staff
let sol: Staff
t.before(async () => {
  scene = await startScene()
  carla = await scene.h.createAgent({ name: 'Carla Dias' })
  davi = await scene.h.createAgent({ name: 'Davi Rocha' })
  eva = await scene.h.createAgent({ name: 'Eva Lima' })
  sol = await scene.h.createAgent({ name: 'Sol Supervisor', role: 'supervisor' })
})
t.teardown(() => scene?.close())

async function create (who: Staff, messageId: string, input?: Record<string, unknown>): Promise<Task> {
  return ok(await who.query<{ createTaskFromMessage: Task }>(CREATE, { m: messageId, i: input })).createTaskFromMessage
}

t.test('a task from a message: defaults from the message, the assignee told at once, the event emitted', async (t) => {
  const body = '  \nTrocar o produto do pedido 553\nCliente quer o tamanho M; enviar etiqueta'
  const { conversationId, messageId } = await scene.conversationOf(carla, body)
  const pushed = await davi.subscribe<{ taskAssigned: Task }>(`subscription { taskAssigned { ${TASK} } }`)
  t.teardown(() => pushed.close())

  const due = '2026-07-01T15:00:00.000Z'
  const task = await create(carla, messageId, { assigneeId: davi.id, dueAt: due })
  t.match(task, {
    title: 'Trocar o produto do pedido 553', description: body, dueAt: due, status: 'open',
    assigneeId: davi.id, assignee: { id: davi.id, name: 'Davi Rocha' }, creatorId: carla.id, creator: { name: 'Carla Dias' },
    conversationId, messageId, completedAt: null
  })
  t.equal(task.conversationUrl, `${scene.h.url}/plugins/console/#/conversations/${conversationId}`)

  const push = await pushed.next()
  t.same(push.data?.taskAssigned, task, 'the assignee\'s subscription got the task')

  const own = await create(carla, messageId, { title: '  Ligar para o cliente ', description: 'Antes das 18h' })
  t.match(own, { title: 'Ligar para o cliente', description: 'Antes das 18h', assigneeId: carla.id, dueAt: null }, 'no assignee: the creator')

  const note = ok(await carla.query<{ sendMessage: { id: string } }>(NOTE, { c: conversationId, b: 'Internal: check the stock first' })).sendMessage.id
  const fromNote = await create(carla, note, { assigneeId: davi.id })
  t.equal(fromNote.title, 'Internal: check the stock first', 'from an internal note')
  t.equal((await pushed.next()).data?.taskAssigned.id, fromNote.id, 'Davi\'s next push: never the task Carla kept for herself')

  const recorded = await until('taskCreated events', async () => scene.events.filter(e => e.event === 'taskCreated' && e.payload.conversationId === conversationId), list => list.length === 3)
  t.same(recorded.find(e => e.payload.taskId === task.id)?.payload, { taskId: task.id, conversationId, messageId, creatorId: carla.id, assigneeId: davi.id, dueAt: due })
})

t.test('checks: only visible messages, active assignees, bounded fields', async (t) => {
  const { messageId } = await scene.conversationOf(carla, 'Verificar a garantia')
  t.equal(code(await eva.query(CREATE, { m: messageId })), 'OL_NOT_FOUND', 'a message Eva may not see')
  t.equal(code(await carla.query(CREATE, { m: '999999999' })), 'OL_NOT_FOUND')
  t.same(paths(await carla.query(CREATE, { m: 'x' })), ['/messageId'])
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { assigneeId: '999999999' } })), ['/assigneeId'], 'no such user')
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { assigneeId: 'abc' } })), ['/assigneeId'])
  const gone = await scene.h.createAgent({ name: 'Gone' })
  ok(await scene.admin.query('mutation ($id: ID!) { updateUser(id: $id, input: { active: false }) { id } }', { id: gone.id }))
  t.same(paths(await carla.query(CREATE, { m: messageId, i: { assigneeId: gone.id } })), ['/assigneeId'], 'a dismissed user')
  const many = await carla.query(CREATE, { m: messageId, i: { title: 't'.repeat(201), description: 'd'.repeat(10_001), assigneeId: '999999999' } })
  t.equal(code(many), 'OL_VALIDATION')
  t.same(paths(many).sort(), ['/assigneeId', '/description', '/title'], 'every problem at once')
  t.equal((await create(carla, messageId, { title: 't'.repeat(200) })).title.length, 200)
  const long = await scene.conversationOf(carla, 'w'.repeat(300))
  t.equal((await create(carla, long.messageId)).title, `${'w'.repeat(199)}…`, 'a long first line is cut')
  t.equal(code(await scene.h.agent().query(CREATE, { m: messageId })), 'OL_UNAUTHENTICATED')
  t.equal(code(await scene.h.agent().query(MINE, {})), 'OL_UNAUTHENTICATED')
})

t.test('creator and assignee see a task; others only with its conversation; they alone change its status', async (t) => {
  const { conversationId, messageId } = await scene.conversationOf(carla, 'Reembolso parcial')
  const task = await create(carla, messageId, { assigneeId: davi.id })
  const sees = async (who: Staff | typeof scene.admin): Promise<boolean> => ok(await who.query<{ task: Task | null }>(ONE, { id: task.id })).task !== null
  t.ok(await sees(carla), 'creator')
  t.ok(await sees(davi), 'assignee, who cannot see the conversation')
  t.notOk(await sees(eva), 'another agent')
  t.ok(await sees(sol), 'a supervisor sees every conversation')
  t.ok(await sees(scene.admin))
  const listed = async (who: Staff): Promise<boolean> => ok(await who.query<Page>(LIST, { c: conversationId })).tasks.nodes.some(n => n.id === task.id)
  t.notOk(await listed(eva), 'not in Eva\'s lists either')
  t.ok(await listed(sol))
  t.ok(await listed(davi))

  t.equal(code(await eva.query(COMPLETE, { id: task.id })), 'OL_NOT_FOUND')
  t.equal(code(await sol.query(COMPLETE, { id: task.id })), 'OL_FORBIDDEN', 'seeing is not enough')
  const done = ok(await davi.query<{ completeTask: Task }>(COMPLETE, { id: task.id })).completeTask
  t.match(done, { status: 'done', completedById: davi.id })
  t.ok(done.completedAt !== null)
  t.equal(ok(await davi.query<{ completeTask: Task }>(COMPLETE, { id: task.id })).completeTask.completedAt, done.completedAt, 'completing again changes nothing')
  const mine = async (status?: string): Promise<string[]> => ok(await davi.query<{ myTasks: { nodes: { id: string }[] } }>(MINE, status === undefined ? {} : { s: status })).myTasks.nodes.map(n => n.id)
  t.notOk((await mine()).includes(task.id), 'myTasks shows open tasks by default')
  t.ok((await mine('done')).includes(task.id))
  const reopened = ok(await carla.query<{ reopenTask: Task }>(REOPEN, { id: task.id })).reopenTask
  t.match(reopened, { status: 'open', completedAt: null, completedById: null })
  t.ok((await mine()).includes(task.id))
  const changes = await until('status events', async () => scene.events.filter(e => e.event === 'taskStatusChanged' && e.payload.taskId === task.id), list => list.length === 2)
  t.same(changes.map(e => [e.payload.status, e.payload.byUserId]).sort(), [['done', davi.id], ['open', carla.id]], 'one event per change')
  t.same(paths(await carla.query(COMPLETE, { id: 'x' })), ['/id'])
})

t.test('lists: due first, none last, a page at a time, hidden tasks skipped', async (t) => {
  const fay = await scene.h.createAgent({ name: 'Fay' })
  const { messageId } = await scene.conversationOf(carla, 'Lista')
  const dues = ['2026-05-03T00:00:00.000Z', null, '2026-05-01T00:00:00.000Z', null, '2026-05-02T00:00:00.000Z']
  const made: Task[] = []
  for (const [i, dueAt] of dues.entries()) made.push(await create(carla, messageId, { title: `Fay ${i}`, assigneeId: fay.id, dueAt }))
  // Eva sees only what she holds, among tasks she may not see.
  const hers = await create(carla, messageId, { title: 'Eva 1', assigneeId: eva.id, dueAt: '2026-05-02T12:00:00.000Z' })
  for (let i = 0; i < 4; i++) await create(carla, messageId, { title: `Hidden ${i}`, dueAt: '2026-05-01T12:00:00.000Z' })
  const hers2 = await create(carla, messageId, { title: 'Eva 2', assigneeId: eva.id })

  const walk = async (who: Staff | typeof scene.admin, vars: Record<string, unknown>): Promise<string[]> => {
    const titles: string[] = []
    let after: string | null = null
    for (let guard = 0; guard < 20; guard++) {
      const page: Page['tasks'] = ok(await who.query<Page>(LIST, { ...vars, after })).tasks
      titles.push(...page.nodes.map(n => n.title))
      if (page.nextCursor === null) return titles
      after = page.nextCursor
    }
    throw new Error('too many pages')
  }
  const byDue = ['Fay 2', 'Fay 4', 'Fay 0', 'Fay 1', 'Fay 3']
  t.same(await walk(scene.admin, { a: fay.id, f: 2 }), byDue, 'by due date, undated last in the order made')
  t.same(await walk(fay, { a: fay.id, s: 'open', f: 200 }), byDue, 'one page when it fits')
  t.equal(made.length, 5)
  t.same(await walk(eva, { f: 1 }), [hers.title, hers2.title], 'Eva pages through her own alone')
  t.same(paths(await scene.admin.query(LIST, { after: 'nope' })), ['/after'])
  t.same(paths(await scene.admin.query(LIST, { f: 0 })), ['/first'])
  t.same(paths(await scene.admin.query(LIST, { a: 'me' })), ['/assigneeId'])
})
