// The team feed end to end (K6 "discuss in the team feed"): real agents over GraphQL and websockets.
import t from 'tap'
import { conversationMessages, dialog, failure, ok, teamScenario, type Dialog } from './helpers.ts'

const s = teamScenario()
let d: Dialog
t.before(async () => {
  await s.start()
  d = await dialog(s)
})
t.teardown(() => s.close())

const POST_FIELDS = 'id authorId authorName body createdAt quote { conversationId messageId authorKind body } comments { id postId authorId authorName body }'
const CREATE = `mutation($b: String!) { createFeedPost(body: $b) { ${POST_FIELDS} } }`
const FROM_MESSAGE = `mutation($m: ID!, $c: String) { postMessageToFeed(messageId: $m, comment: $c) { ${POST_FIELDS} } }`
const FEED = `query($first: Int, $after: String) { feed(first: $first, after: $after) { nodes { ${POST_FIELDS} } nextCursor } }`
const COMMENT = `mutation($p: ID!, $b: String!) { commentOnFeedPost(postId: $p, body: $b) { ${POST_FIELDS} } }`
const DELETE = 'mutation($id: ID!) { deleteFeedPost(id: $id) }'
const ADDED = `subscription { feedPostAdded { ${POST_FIELDS} } }`

async function feedBodies (client = s.admin): Promise<string[]> {
  return ok(await client.query(FEED, { first: 100 }), 'feed').feed.nodes.map((p: { body: string }) => p.body)
}

t.test('post a conversation message to the feed: its text and the author\'s comment, for every staff member', async (t) => {
  const before = await conversationMessages(s.admin, d.conversationId)
  const { postMessageToFeed: post } = ok(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, c: 'Third lost parcel this week' }), 'post message')
  t.match(post, {
    authorId: d.assignee.id,
    authorName: 'Assignee 1',
    body: 'Third lost parcel this week',
    quote: { conversationId: d.conversationId, messageId: d.clientMessageId, authorKind: 'client', body: d.clientText },
    comments: []
  })
  // The feed is for all active staff, whether or not they may open the conversation itself.
  const seen = ok(await d.outsider.query(FEED, { first: 10 }), 'outsider reads').feed.nodes
  t.match(seen[0], { id: post.id, quote: { body: d.clientText } })
  t.equal(ok(await d.outsider.query('query($id: ID!) { conversation(id: $id) { id } }', { id: d.conversationId }), 'conversation').conversation, null, 'the link leads nowhere for them')

  const bare = ok(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId }), 'without comment').postMessageToFeed
  t.equal(bare.body, '')
  t.equal(bare.quote.body, d.clientText)
  t.same(await conversationMessages(s.admin, d.conversationId), before, 'nothing was added to the conversation')
})

t.test('a message one may not see cannot be posted; unknown reads the same', async (t) => {
  const hidden = await d.outsider.query(FROM_MESSAGE, { m: d.clientMessageId, c: 'peek' })
  const unknown = await d.outsider.query(FROM_MESSAGE, { m: '9999999', c: 'peek' })
  t.equal(failure(hidden).code, 'OL_NOT_FOUND')
  t.equal(failure(unknown).code, 'OL_NOT_FOUND')
  t.notOk((await feedBodies()).includes('peek'), 'no post was made')
})

t.test('posts, comments and keyset pages, newest first', async (t) => {
  const agent = await s.h.createAgent({ name: 'Poster' })
  const ids: string[] = []
  for (const body of ['page one', 'page two', 'page three']) ids.push(ok(await agent.query(CREATE, { b: body }), body).createFeedPost.id)
  const first = ok(await d.invited.query(FEED, { first: 2 }), 'first page').feed
  t.same(first.nodes.map((p: { body: string }) => p.body), ['page three', 'page two'])
  const second = ok(await d.invited.query(FEED, { first: 2, after: first.nextCursor }), 'second page').feed
  t.equal(second.nodes[0].body, 'page one')
  const all: string[] = []
  let after: string | null = null
  do {
    const page: { nodes: { id: string }[], nextCursor: string | null } = ok(await d.invited.query(FEED, { first: 2, after }), 'walk').feed
    all.push(...page.nodes.map(p => p.id))
    after = page.nextCursor
  } while (after !== null)
  t.equal(new Set(all).size, all.length, 'no post twice')
  t.same(all.slice(0, 3), [...ids].reverse())

  ok(await d.invited.query(COMMENT, { p: ids[0], b: 'first!' }), 'comment')
  const commented = ok(await agent.query(COMMENT, { p: ids[0], b: 'thanks' }), 'reply').commentOnFeedPost
  t.match(commented.comments, [
    { postId: ids[0], authorId: d.invited.id, authorName: 'Invited 1', body: 'first!' },
    { postId: ids[0], authorId: agent.id, authorName: 'Poster', body: 'thanks' }
  ])
  t.equal(failure(await agent.query(COMMENT, { p: '9999999', b: 'hello?' })).code, 'OL_NOT_FOUND')
  t.same(failure(await agent.query(FEED, { first: 101 })), { code: 'OL_VALIDATION', paths: ['/first'] })
  t.same(failure(await agent.query(FEED, { first: 1, after: 'x' })), { code: 'OL_VALIDATION', paths: ['/after'] })
})

t.test('live: feedPostAdded reaches every staff member over websocket', async (t) => {
  const outsider = await d.outsider.subscribe(ADDED)
  const author = await d.invited.subscribe(ADDED)
  t.teardown(() => { outsider.close(); author.close() })
  const created = ok(await d.invited.query(CREATE, { b: 'Coffee machine is fixed' }), 'post').createFeedPost
  t.match((await outsider.next()).data?.feedPostAdded, { id: created.id, authorId: d.invited.id, body: 'Coffee machine is fixed', quote: null })
  t.match((await author.next()).data?.feedPostAdded, { id: created.id })
  const quoted = ok(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, c: 'see this' }), 'quote').postMessageToFeed
  t.match((await outsider.next()).data?.feedPostAdded, { id: quoted.id, body: 'see this', quote: { messageId: d.clientMessageId, body: d.clientText } })
})

t.test('a dismissed staff member\'s open socket stops receiving the feed', async (t) => {
  const leaving = await s.h.createAgent({ name: 'Leaving' })
  const live = await leaving.subscribe(ADDED)
  t.teardown(() => live.close())
  const setActive = async (active: boolean): Promise<void> => {
    ok(await s.admin.query('mutation($id: ID!, $a: Boolean!) { updateUser(id: $id, input: { active: $a }) { id } }', { id: leaving.id, a: active }), 'updateUser')
  }
  await setActive(false)
  ok(await d.invited.query(CREATE, { b: 'while dismissed' }), 'post while dismissed')
  await setActive(true)
  ok(await d.invited.query(CREATE, { b: 'after reinstatement' }), 'post after')
  // Pushes of one subscription arrive in order: the next one is the post after reinstatement.
  t.equal((await live.next()).data?.feedPostAdded.body, 'after reinstatement', 'nothing arrived while dismissed')
})

t.test('delete: the author or a user manager; others are refused', async (t) => {
  const { createFeedPost: post } = ok(await d.invited.query(CREATE, { b: 'to be deleted' }), 'post')
  t.equal(failure(await d.outsider.query(DELETE, { id: post.id })).code, 'OL_FORBIDDEN', 'not the author')
  t.ok((await feedBodies()).includes('to be deleted'), 'still there')
  t.equal(ok(await d.invited.query(DELETE, { id: post.id }), 'author deletes').deleteFeedPost, true)
  t.notOk((await feedBodies()).includes('to be deleted'))
  t.equal(failure(await d.invited.query(DELETE, { id: post.id })).code, 'OL_NOT_FOUND', 'gone')

  const { postMessageToFeed: quoted } = ok(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, c: 'moderate me' }), 'quoted post')
  ok(await d.invited.query(COMMENT, { p: quoted.id, b: 'a comment' }), 'comment')
  t.equal(ok(await s.admin.query(DELETE, { id: quoted.id }), 'manager deletes').deleteFeedPost, true)
  t.notOk((await feedBodies()).includes('moderate me'))
  t.same(failure(await d.invited.query(DELETE, { id: 'abc' })), { code: 'OL_VALIDATION', paths: ['/id'] })
})

t.test('bad input and signed-out callers', async (t) => {
  t.same(failure(await d.invited.query(CREATE, { b: '' })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'empty')
  t.same(failure(await d.invited.query(CREATE, { b: '   ' })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'blank')
  t.same(failure(await d.invited.query(CREATE, { b: 'z'.repeat(10_001) })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'oversized')
  t.equal(ok(await d.invited.query(CREATE, { b: 'z'.repeat(10_000) }), 'longest').createFeedPost.body.length, 10_000)
  t.same(failure(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, c: 'c'.repeat(10_001) })), { code: 'OL_VALIDATION', paths: ['/comment'] })
  t.same(failure(await d.assignee.query(FROM_MESSAGE, { m: 'nope' })), { code: 'OL_VALIDATION', paths: ['/messageId'] })
  t.same(failure(await d.invited.query(COMMENT, { p: '1', b: '' })), { code: 'OL_VALIDATION', paths: ['/body'] })
  const anonymous = s.h.agent()
  t.equal(failure(await anonymous.query(FEED, { first: 1 })).code, 'OL_UNAUTHENTICATED')
  t.equal(failure(await anonymous.query(CREATE, { b: 'hi' })).code, 'OL_UNAUTHENTICATED')
})
