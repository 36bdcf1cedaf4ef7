// Facebook page comments (K8): `feed` webhooks become conversations — one per commenter per post —
// de-duplicated by comment id; the page's own comments, edits and removals are not messages. Agents'
// replies go back as replies under the client's comment thread (or the quoted comment), or as the
// comment's one private reply. The page subscription carries `feed` next to Messenger's fields, and
// feed events posted to the Messenger URL reach the comments connection of the page.
import t from 'tap'
import type { TestApp, AgentClient } from '@openline/testing'
import { startFakeMeta, feedBody, commentValue, nextCommentId, messageEvent, webhookBody, sign, pngBytes, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectMeta, postWebhook, postRepeatedly, sql, outbox as outboxRow, settled as untilSettled, reply as agentReply, type OutboxRow } from './helpers.ts'

let h: TestApp
let fake: FakeMeta
let admin: AgentClient
let connectionId: string
let messengerId: string

t.before(async () => {
  fake = await startFakeMeta()
  h = await buildTestApp({ plugins })
  ;({ connectionId: messengerId } = await connectMeta(h, fake, 'messenger', { verifyToken: 'messenger-verify' }))
  ;({ admin, connectionId } = await connectMeta(h, fake, 'facebook-comments', { verifyToken: 'comments-verify', mediaHosts: ['fbcdn.net'] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const post = (body: Record<string, unknown> | string, options: { signature?: string | null } = {}) => postWebhook(h, connectionId, fake.appSecret, body, options)
const postId = (n: number) => `${fake.pageId}_${900 + n}`
const comment = (options: Omit<Parameters<typeof commentValue>[0], 'from'> & { from?: string, name?: string }) =>
  feedBody(fake.pageId, [commentValue({ ...options, from: { id: options.from ?? '7001', name: options.name } })])
const messagesCount = async (): Promise<number> => (await sql<{ n: number }>(h, 'select count(*)::int as n from messages'))[0].n

const reply = (conversationId: string, body: string, quoteMessageId?: string): Promise<string> => agentReply(admin, conversationId, body, quoteMessageId)
const outbox = (messageId: string): Promise<OutboxRow> => outboxRow(h, messageId)
const settled = (messageId: string): Promise<void> => untilSettled(h, messageId)

t.test('connect: the page keeps Messenger\'s fields and adds feed', async (t) => {
  t.same(fake.subscriptions(), [
    { method: 'POST', pageId: fake.pageId, fields: 'messages,messaging_postbacks,message_deliveries,message_reads' },
    { method: 'POST', pageId: fake.pageId, fields: 'feed,messages,messaging_postbacks,message_deliveries,message_reads' }
  ])
  const [row] = await sql(h, 'select external_account_id, settings from channel_connections where id = ?', [connectionId])
  t.equal(row.external_account_id, fake.pageId)
  t.equal(row.settings.replyMode, 'public')
  t.equal(row.settings.pageAccessToken, undefined, 'sealed')
})

t.test('a comment opens a conversation: text, commenter name, post id, comment id as external id; signatures checked', async (t) => {
  const commentId = nextCommentId(postId(1))
  const raw = JSON.stringify(comment({ postId: postId(1), from: '7001', name: 'Ana Lima', message: 'x', commentId })).replace('"message":"x"', '"message":"Qual o pre\\u00e7o? \\ud83d\\ude00 Привет"')
  const before = await messagesCount()
  t.equal((await post(raw, { signature: null })).status, 401)
  t.equal((await post(raw, { signature: sign('wrong-secret', raw) })).status, 401)
  t.equal(await messagesCount(), before, 'nothing stored')
  const res = await post(raw)
  t.equal(res.status, 200)
  const [row] = await sql(h, `select m.body, m.external_id, m.meta, cl.name, ci.external_user_id, ci.external_chat_id, cc.connector
    from messages m join conversations c on c.id = m.conversation_id join clients cl on cl.id = c.client_id
    join client_identities ci on ci.id = c.client_identity_id join channel_connections cc on cc.id = m.connection_id where m.id = ?`, [res.body.messages[0].messageId])
  t.match(row, {
    body: 'Qual o preço? 😀 Привет', external_id: commentId, name: 'Ana Lima', external_chat_id: postId(1), connector: 'facebook-comments',
    meta: { field: 'feed', commentId, postId: postId(1), threadId: commentId, commenterId: '7001', permalink: /facebook\.com/ }
  })
})

t.test('one conversation per commenter per post; the same comment 5 times and concurrently is one message', async (t) => {
  const a1 = await post(comment({ postId: postId(2), from: '7002', message: 'first on post 2' }))
  const a2 = await post(comment({ postId: postId(2), from: '7002', message: 'again on post 2' }))
  const b = await post(comment({ postId: postId(3), from: '7002', message: 'on post 3' }))
  const other = await post(comment({ postId: postId(2), from: '7003', message: 'someone else on post 2' }))
  t.equal(a1.body.messages[0].conversationId, a2.body.messages[0].conversationId, 'same commenter, same post')
  t.not(a1.body.messages[0].conversationId, b.body.messages[0].conversationId, 'another post: another conversation')
  t.not(a1.body.messages[0].conversationId, other.body.messages[0].conversationId, 'another commenter: another conversation')

  await postRepeatedly(t, post, comment({ postId: postId(4), from: '7004', message: 'dup' }), comment({ postId: postId(4), from: '7004', message: 'dup at once' }))
  t.equal((await sql(h, "select count(*)::int as n from messages where body in ('dup', 'dup at once')"))[0].n, 2)
})

t.test('out-of-order comments are ordered by created_time', async (t) => {
  const base = Math.floor(Date.now() / 1000) - 600
  const later = await post(comment({ postId: postId(5), from: '7005', message: 'second', createdTime: base + 60 }))
  await post(comment({ postId: postId(5), from: '7005', message: 'first', createdTime: base }))
  const rows = await sql(h, 'select body from messages where conversation_id = ? order by sent_at, id', [later.body.messages[0].conversationId])
  t.same(rows.map((r: any) => r.body), ['first', 'second'])
})

t.test('the page\'s own comments, edits, removals, likes and other feed items are not messages (200)', async (t) => {
  const before = await messagesCount()
  const commentId = nextCommentId(postId(6))
  t.equal((await post(comment({ postId: postId(6), from: fake.pageId, message: 'our own reply' }))).status, 200)
  t.equal((await post(comment({ postId: postId(6), from: '7006', message: 'edited text', commentId, verb: 'edited' }))).status, 200)
  t.equal((await post(comment({ postId: postId(6), from: '7006', commentId, verb: 'remove' }))).status, 200)
  t.equal((await post(feedBody(fake.pageId, [{ item: 'reaction', verb: 'add', reaction_type: 'like', post_id: postId(6), from: { id: '7006' } }, { item: 'status', verb: 'add', post_id: postId(6) }]))).status, 200)
  t.equal((await post({ object: 'page', entry: [{ id: fake.pageId, time: 1, changes: [{ field: 'mention', value: {} }] }] })).status, 200)
  t.equal((await post(feedBody(fake.pageId, [{ item: 'comment', verb: 'add', post_id: postId(6), comment_id: nextCommentId(postId(6)), message: 'no from' }]))).status, 200)
  t.equal((await post('{"object":"page","entry":[{')).status, 400)
  t.equal((await post(comment({ postId: postId(6), from: '7006', message: 'z'.repeat(1_100_000) }))).status, 413)
  t.equal(await messagesCount(), before)
})

t.test('a photo comment: the image fetched from a media host; other hosts refused, the comment kept', async (t) => {
  const res = await post(comment({ postId: postId(7), from: '7007', message: 'look', extra: { photo: `${fake.origin}/media/photo.png` } }))
  const [row] = await sql(h, 'select body, attachments from messages where id = ?', [res.body.messages[0].messageId])
  t.match(row, { body: 'look', attachments: [{ kind: 'image', mimeType: 'image/png', size: pngBytes.length, storageKey: /^\d{4}\// }] })
  const evil = await post(comment({ postId: postId(7), from: '7007', extra: { photo: 'https://evil.example.com/p.png' } }))
  const [kept] = await sql(h, 'select body, attachments from messages where id = ?', [evil.body.messages[0].messageId])
  t.match(kept, { body: '', attachments: [{ kind: 'image', providerFileId: 'https://evil.example.com/p.png' }] })
  t.equal(kept.attachments[0].storageKey, undefined)
})

t.test('replies: under the client\'s latest comment thread; a quoted comment wins; replies to replies go to the thread\'s top comment', async (t) => {
  const top = nextCommentId(postId(8))
  const first = await post(comment({ postId: postId(8), from: '7008', message: 'Do you ship to Porto?', commentId: top }))
  const conversationId = first.body.messages[0].conversationId
  const answer = await reply(conversationId, 'Yes, we do!')
  await settled(answer)
  t.equal((await outbox(answer)).status, 'sent', String((await outbox(answer)).last_error))
  const posted = fake.comments().at(-1)
  t.match(posted, { parentId: top, message: 'Test Admin: Yes, we do!' })
  t.equal((await sql(h, 'select external_id from messages where id = ?', [answer]))[0].external_id, posted?.id)

  // The client answers inside the thread (parent_id: the top comment), then comments on the post again.
  const nested = await post(comment({ postId: postId(8), from: '7008', message: 'And to Lisbon?', parentId: top }))
  const second = await reply(conversationId, 'Lisbon too.')
  await settled(second)
  t.match(fake.comments().at(-1), { parentId: top, message: 'Test Admin: Lisbon too.' }, 'a reply to a reply joins the top comment\'s thread')
  const otherTop = nextCommentId(postId(8))
  await post(comment({ postId: postId(8), from: '7008', message: 'One more thing', commentId: otherTop }))
  const quoted = await reply(conversationId, 'About Lisbon: 2 days.', nested.body.messages[0].messageId)
  await settled(quoted)
  t.match(fake.comments().at(-1), { parentId: top }, 'the quoted comment\'s thread, not the latest comment')
  const latest = await reply(conversationId, 'And the other thing?')
  await settled(latest)
  t.match(fake.comments().at(-1), { parentId: otherTop })
})

t.test('reply errors: 5xx retried and delivered once; a permanent refusal fails for good', async (t) => {
  const first = await post(comment({ postId: postId(9), from: '7009', message: 'hello?' }))
  const before = fake.commentRequests()
  fake.failNext([{ http: 500 }, { http: 502 }])
  const id = await reply(first.body.messages[0].conversationId, 'after two 5xx')
  await settled(id)
  t.match(await outbox(id), { status: 'sent', attempts: 3 })
  t.equal(fake.commentRequests() - before, 3)
  t.equal(fake.comments().filter(c => c.message === 'Test Admin: after two 5xx').length, 1)
  fake.failNext([{ code: 200, message: '(#200) Permissions error' }])
  const refused = await reply(first.body.messages[0].conversationId, 'not allowed')
  await settled(refused)
  t.match(await outbox(refused), { status: 'failed', attempts: 1, last_error: /Permissions error/ })
})

t.test('private replies (replyMode private): one per comment, never falling back to a public comment', async (t) => {
  const priv = await connectMeta(h, fake, 'facebook-comments', { verifyToken: 'comments-verify', mediaHosts: ['fbcdn.net'], replyMode: 'private' })
  t.equal(priv.connectionId, connectionId, 'the same page: the same connection, re-configured')
  const commentId = nextCommentId(postId(10))
  const first = await post(comment({ postId: postId(10), from: '7010', message: 'Please DM me the price', commentId }))
  const conversationId = first.body.messages[0].conversationId
  const publicBefore = fake.comments().length
  const dm = await reply(conversationId, 'It is 20 €, sent privately')
  await settled(dm)
  t.equal((await outbox(dm)).status, 'sent', String((await outbox(dm)).last_error))
  t.match(fake.privateReplies().at(-1), { commentId, text: 'Test Admin: It is 20 €, sent privately' })
  const second = await reply(conversationId, 'a second private word')
  await settled(second)
  t.match(await outbox(second), { status: 'failed', attempts: 1, last_error: /already had its private reply/ })
  t.equal(fake.comments().length, publicBefore, 'nothing was posted publicly')
  // A new comment by the client may get its own private reply.
  await post(comment({ postId: postId(10), from: '7010', message: 'and shipping?' }))
  const third = await reply(conversationId, 'Shipping is free')
  await settled(third)
  t.equal((await outbox(third)).status, 'sent')
  t.equal(fake.privateReplies().length, 2)
  // Meta refusing it (already answered from the Page inbox): failed, and the claim released.
  const answered = nextCommentId(postId(10))
  await post(comment({ postId: postId(10), from: '7010', message: 'answered elsewhere', commentId: answered }))
  fake.failNext([{ code: 10900, message: '(#10900) Activity already replied to' }])
  const refused = await reply(conversationId, 'refused one')
  await settled(refused)
  t.match(await outbox(refused), { status: 'failed', last_error: /10900/ })
  t.equal((await sql(h, 'select count(*)::int as n from channel_meta_private_replies where comment_id = ?', [answered]))[0].n, 0)
  await connectMeta(h, fake, 'facebook-comments', { verifyToken: 'comments-verify', mediaHosts: ['fbcdn.net'] })
})

t.test('edit and remove a public reply (connector.edit / remove); private replies cannot be changed', async (t) => {
  const { commentsConnector } = await import('../src/index.ts')
  const first = await post(comment({ postId: postId(13), from: '7013', message: 'price?' }))
  const answer = await reply(first.body.messages[0].conversationId, 'It is 10 €')
  await settled(answer)
  const replyId = (await sql(h, 'select external_id from messages where id = ?', [answer]))[0].external_id
  const connection = (await h.core.pluginContextOf('facebook-comments').connections.get(connectionId))!
  const delivery = {
    idempotencyKey: 'outbox-edit', attempt: 1, connection, conversationId: first.body.messages[0].conversationId, messageId: answer, externalUserId: 'x', externalChatId: null,
    body: 'It is 12 €, sorry', attachments: [], senderName: 'Test Admin', senderAvatarUrl: null, quoteExternalId: null, meta: {}, externalMessageId: replyId
  }
  const ctx = h.core.pluginContextOf('facebook-comments')
  await commentsConnector.edit!(delivery, ctx)
  t.match(fake.comments().find(c => c.id === replyId), { message: 'Test Admin: It is 12 €, sorry', edits: 1 })
  fake.failNext([{ http: 503 }])
  t.match(await commentsConnector.remove!(delivery, ctx).then(() => 'removed', (err: unknown) => err), { name: 'DeliveryError', retryable: true })
  await commentsConnector.remove!(delivery, ctx)
  t.equal(fake.comments().find(c => c.id === replyId)?.deleted, true)
  await commentsConnector.remove!(delivery, ctx)
  t.pass('removing a reply that is already gone succeeds')
  t.match(await commentsConnector.edit!({ ...delivery, externalMessageId: 'm_private_reply' }, ctx).then(() => 'edited', (err: unknown) => err), { retryable: false, message: /private reply/ })
})

t.test('feed events posted to the Messenger URL reach the page\'s comments connection, and messages posted to the comments URL reach Messenger', async (t) => {
  const viaMessenger = await postWebhook(h, messengerId, fake.appSecret, comment({ postId: postId(11), from: '7011', message: 'via the Messenger URL' }))
  t.equal(viaMessenger.status, 200)
  const viaComments = await post(webhookBody('page', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'psid-7011', text: 'a DM via the comments URL' })]))
  t.equal(viaComments.status, 200)
  const rows = await sql(h, "select m.body, cc.connector from messages m join channel_connections cc on cc.id = m.connection_id where m.body in ('via the Messenger URL', 'a DM via the comments URL') order by m.body")
  t.same(rows, [{ body: 'a DM via the comments URL', connector: 'messenger' }, { body: 'via the Messenger URL', connector: 'facebook-comments' }])
})

t.test('disconnect: the page keeps Messenger\'s fields; comments are no longer taken', async (t) => {
  const res = await admin.query<any>('mutation($id: ID!) { disconnectChannel(id: $id) { status } }', { id: connectionId })
  t.equal(res.errors, undefined, JSON.stringify(res.errors))
  t.same(fake.subscriptions().at(-1), { method: 'POST', pageId: fake.pageId, fields: 'messages,messaging_postbacks,message_deliveries,message_reads' })
  const late = await postWebhook(h, messengerId, fake.appSecret, comment({ postId: postId(12), from: '7012', message: 'after disconnect' }))
  t.ok(late.status < 500)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'after disconnect'"))[0].n, 0)
})
