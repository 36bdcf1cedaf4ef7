// Quick answers through the staff API: create, validate, search, page, and who may see or change what.
import t from 'tap'
import type { AgentClient } from '@openline/testing'
import { code, ok, paths, startScene, type Scene } from './helpers.ts'

const FIELDS = 'id openChannelId title text category sortOrder personal createdById usageCount canEdit'
const CREATE = `mutation ($i: CreateQuickAnswerInput!) { createQuickAnswer(input: $i) { ${FIELDS} } }`
const UPDATE = `mutation ($id: ID!, $i: UpdateQuickAnswerInput!) { updateQuickAnswer(id: $id, input: $i) { ${FIELDS} } }`
const DELETE = 'mutation ($id: ID!) { deleteQuickAnswer(id: $id) }'
const ONE = `query ($id: ID!) { quickAnswer(id: $id) { ${FIELDS} } }`
const LIST = `query ($ch: ID, $s: String, $c: String, $o: QuickAnswerOrder, $f: Int, $a: String) {
  quickAnswers(openChannelId: $ch, search: $s, category: $c, order: $o, first: $f, after: $a) { nodes { ${FIELDS} } nextCursor } }`

interface Answer { id: string, openChannelId: string | null, title: string | null, text: string, category: string | null, sortOrder: number, personal: boolean, createdById: string | null, usageCount: number, canEdit: boolean }
interface Page { quickAnswers: { nodes: Answer[], nextCursor: string | null } }

let scene: Scene
t.before(async () => { scene = await startScene() })
t.teardown(() => scene?.close())

t.test('create: stored as given, blanks as none; validation errors name their fields', async (t) => {
  const { admin } = scene
  const ch = await scene.channel('Validation')
  const created = ok(await admin.query<{ createQuickAnswer: Answer }>(CREATE, { i: { openChannelId: ch.id, title: '  Greeting ', text: 'Hello {{clientName}}!', category: ' ', sortOrder: 3 } })).createQuickAnswer
  t.match(created, { openChannelId: ch.id, title: 'Greeting', text: 'Hello {{clientName}}!', category: null, sortOrder: 3, personal: false, createdById: scene.h.admin.id, usageCount: 0, canEdit: true })

  const empty = await admin.query(CREATE, { i: { text: '   ' } })
  t.equal(code(empty), 'OL_VALIDATION')
  t.same(paths(empty), ['/text'])
  const long = await admin.query(CREATE, { i: { text: 'x'.repeat(4001) } })
  t.same(paths(long), ['/text'], 'more than 4000 characters')
  t.notOk(ok(await admin.query<{ createQuickAnswer: Answer }>(CREATE, { i: { text: 'y'.repeat(4000) } })).createQuickAnswer.title, '4000 characters are fine')
  const template = await admin.query(CREATE, { i: { text: 'Hi {{#if clientName}} unclosed' } })
  t.same(paths(template), ['/text'], 'a broken template')
  t.match(template.errors?.[0]?.extensions?.fields?.[0]?.message, /Template error/)
  const unknown = await admin.query(CREATE, { i: { openChannelId: '999999999', text: 'ok' } })
  t.same(paths(unknown), ['/openChannelId'], 'an open channel that does not exist')
  const malformed = await admin.query(CREATE, { i: { openChannelId: 'abc', text: 'ok' } })
  t.same(paths(malformed), ['/openChannelId'])
  const many = await admin.query(CREATE, { i: { openChannelId: '999999999', text: '', title: 't'.repeat(201), category: 'c'.repeat(101), sortOrder: 2_000_000 } })
  t.same(paths(many).sort(), ['/category', '/openChannelId', '/sortOrder', '/text', '/title'], 'every problem at once')

  const update = await admin.query(UPDATE, { id: created.id, i: { text: '' } })
  t.same(paths(update), ['/text'], 'updates are checked the same way')
  const moved = ok(await admin.query<{ updateQuickAnswer: Answer }>(UPDATE, { id: created.id, i: { openChannelId: null, category: 'Greetings' } })).updateQuickAnswer
  t.match(moved, { openChannelId: null, category: 'Greetings', title: 'Greeting', text: 'Hello {{clientName}}!', sortOrder: 3 }, 'only the given fields change; null channel: every channel')

  const anonymous = await scene.h.agent().query(CREATE, { i: { text: 'x' } })
  t.equal(code(anonymous), 'OL_UNAUTHENTICATED')
  t.equal(code(await scene.h.agent().query(LIST, {})), 'OL_UNAUTHENTICATED')
})

t.test('search: title and text, any case, without accents, every word; wildcards are literal', async (t) => {
  const { admin } = scene
  const ch = await scene.channel('Busca')
  const other = await scene.channel('Outro canal')
  const add = async (input: Record<string, unknown>): Promise<string> => ok(await admin.query<{ createQuickAnswer: Answer }>(CREATE, { i: { openChannelId: ch.id, ...input } })).createQuickAnswer.id
  const prazo = await add({ title: 'Prazo de entrega', text: 'O pedido chega em até 5 dias úteis.' })
  const joao = await add({ text: 'Fale com o João da expedição.' })
  const percent = await add({ text: 'Desconto de 100% no frete' })
  const everywhere = ok(await admin.query<{ createQuickAnswer: Answer }>(CREATE, { i: { text: 'Entrega expressa em todos os canais' } })).createQuickAnswer.id
  ok(await admin.query(CREATE, { i: { openChannelId: other.id, text: 'Entrega só no outro canal' } }))

  const find = async (search: string): Promise<string[]> =>
    ok(await admin.query<Page>(LIST, { ch: ch.id, s: search, f: 200 })).quickAnswers.nodes.map(a => a.id).sort()
  t.same(await find('ENTREGA'), [prazo, everywhere].sort(), 'title and text, case-insensitive; every-channel answers included, other channels not')
  t.same(await find('joao EXPEDICAO'), [joao], 'accents ignored, every word must occur')
  t.same(await find('uteis prazo'), [prazo], 'words may come from title and text')
  t.same(await find('joao prazo'), [], 'no answer has both')
  t.same(await find('100%'), [percent], '% matches itself')
  t.same(await find('0_'), [], '_ is not a wildcard')
  const all = ok(await admin.query<Page>(LIST, { ch: ch.id, f: 200 })).quickAnswers.nodes.map(a => a.id).sort()
  t.same(await find('   '), all, 'a blank search is no search')
  t.ok([prazo, joao, percent, everywhere].every(id => all.includes(id)))
  const tooLong = await admin.query(LIST, { s: 'x'.repeat(201) })
  t.same(paths(tooLong), ['/search'])
  const badChannel = await admin.query(LIST, { ch: 'x' })
  t.same(paths(badChannel), ['/openChannelId'])
})

t.test('pages: keyset cursors walk every answer once, in either order', async (t) => {
  const { admin } = scene
  const ch = await scene.channel('Pages')
  const ids: string[] = []
  for (const [i, category] of ['b', 'a', 'b', 'a', 'c'].entries()) {
    ids.push(ok(await admin.query<{ createQuickAnswer: Answer }>(CREATE, { i: { openChannelId: ch.id, text: `pages answer ${i}`, category, sortOrder: 10 - i } })).createQuickAnswer.id)
  }
  const walk = async (order: string): Promise<Answer[]> => {
    const seen: Answer[] = []
    let after: string | null = null
    for (let guard = 0; guard < 10; guard++) {
      const page: Page['quickAnswers'] = ok(await admin.query<Page>(LIST, { ch: ch.id, s: 'pages answer', o: order, f: 2, a: after })).quickAnswers
      t.ok(page.nodes.length <= 2)
      seen.push(...page.nodes)
      if (page.nextCursor === null) return seen
      after = page.nextCursor
    }
    throw new Error('too many pages')
  }
  const manual = await walk('manual')
  t.same(manual.map(a => a.category), ['a', 'a', 'b', 'b', 'c'], 'manual: by category')
  t.same(manual.map(a => a.sortOrder), [7, 9, 8, 10, 6], 'then by sort order')
  const popular = await walk('popular')
  t.same(popular.map(a => a.id).sort(), [...ids].sort(), 'every answer once')
  t.same(popular.map(a => a.sortOrder), [6, 7, 8, 9, 10], 'equal use: by sort order')

  const bad = await admin.query(LIST, { a: 'not-a-cursor' })
  t.equal(code(bad), 'OL_VALIDATION')
  t.same(paths(bad), ['/after'])
  t.same(paths(await admin.query(LIST, { f: 0 })), ['/first'])
  t.same(paths(await admin.query(LIST, { f: 201 })), ['/first'])
})

t.test('personal answers are their author\'s alone; others\' shared answers need manageOpenChannels', async (t) => {
  const { admin, h } = scene
  const ana = await h.createAgent({ name: 'Ana' })
  const bruno = await h.createAgent({ name: 'Bruno' })
  const mine = ok(await ana.query<{ createQuickAnswer: Answer }>(CREATE, { i: { text: 'Kestrel private note', personal: true } })).createQuickAnswer
  const shared = ok(await ana.query<{ createQuickAnswer: Answer }>(CREATE, { i: { text: 'Kestrel shared answer' } })).createQuickAnswer
  t.equal(mine.canEdit, true)

  const seenBy = async (who: AgentClient): Promise<string[]> => ok(await who.query<Page>(LIST, { s: 'kestrel', f: 200 })).quickAnswers.nodes.map(a => a.id).sort()
  t.same(await seenBy(ana), [mine.id, shared.id].sort())
  t.same(await seenBy(bruno), [shared.id], 'another agent sees only the shared one')
  t.same(await seenBy(admin), [shared.id], 'even an admin does not see a personal answer')
  t.equal(ok(await bruno.query<{ quickAnswer: Answer | null }>(ONE, { id: mine.id })).quickAnswer, null)
  t.equal(code(await bruno.query(UPDATE, { id: mine.id, i: { text: 'x' } })), 'OL_NOT_FOUND')
  t.equal(code(await admin.query(DELETE, { id: mine.id })), 'OL_NOT_FOUND')

  t.equal(ok(await bruno.query<{ quickAnswer: Answer }>(ONE, { id: shared.id })).quickAnswer.canEdit, false)
  t.equal(code(await bruno.query(UPDATE, { id: shared.id, i: { text: 'hijacked' } })), 'OL_FORBIDDEN')
  t.equal(code(await bruno.query(DELETE, { id: shared.id })), 'OL_FORBIDDEN')
  t.equal(ok(await admin.query<{ quickAnswer: Answer }>(ONE, { id: shared.id })).quickAnswer.canEdit, true, 'an admin manages open channels')
  const edited = ok(await admin.query<{ updateQuickAnswer: Answer }>(UPDATE, { id: shared.id, i: { text: 'Kestrel shared answer, edited' } })).updateQuickAnswer
  t.equal(edited.text, 'Kestrel shared answer, edited')
  t.equal(edited.createdById, ana.id, 'the author stays')
  t.same(paths(await admin.query(UPDATE, { id: shared.id, i: { personal: true } })), ['/personal'], 'only the author makes an answer personal')
  t.equal(ok(await ana.query<{ updateQuickAnswer: Answer }>(UPDATE, { id: mine.id, i: { personal: false } })).updateQuickAnswer.personal, false, 'the author may share it')
  t.same(await seenBy(bruno), [mine.id, shared.id].sort(), 'now everyone sees it')

  t.equal(ok(await ana.query<{ deleteQuickAnswer: boolean }>(DELETE, { id: mine.id })).deleteQuickAnswer, true, 'the author deletes')
  t.equal(ok(await admin.query<{ deleteQuickAnswer: boolean }>(DELETE, { id: shared.id })).deleteQuickAnswer, true, 'a manager deletes')
  t.same(await seenBy(ana), [])
  t.equal(code(await ana.query(DELETE, { id: mine.id })), 'OL_NOT_FOUND', 'gone')
})
