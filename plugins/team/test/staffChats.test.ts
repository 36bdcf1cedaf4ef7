// Staff chats end to end (K6 "discuss in a new chat"): real agents over GraphQL and websockets,
// a real client conversation routed by the core.
import t from 'tap'
import { conversationMessages, dialog, failure, ok, teamScenario, type Dialog } from './helpers.ts'

const s = teamScenario()
let d: Dialog
t.before(async () => {
  await s.start()
  d = await dialog(s)
})
t.teardown(() => s.close())

const CHAT_FIELDS = 'id title createdById sourceConversationId sourceMessageId unreadCount members { userId name } lastMessage { id body }'
const MESSAGE_FIELDS = 'id chatId authorId authorName body createdAt editedAt quote { conversationId messageId authorKind body createdAt }'
const FROM_MESSAGE = `mutation($m: ID!, $t: String!, $c: String) { startStaffChatFromMessage(messageId: $m, title: $t, comment: $c) { ${CHAT_FIELDS} } }`
const START = `mutation($t: String!, $ids: [ID!]!) { startStaffChat(title: $t, memberIds: $ids) { ${CHAT_FIELDS} } }`
const POST = `mutation($c: ID!, $b: String!) { postStaffChatMessage(chatId: $c, body: $b) { ${MESSAGE_FIELDS} } }`
const EDIT = `mutation($id: ID!, $b: String!) { editStaffChatMessage(id: $id, body: $b) { ${MESSAGE_FIELDS} } }`
const MESSAGES = `query($c: ID!, $last: Int, $before: String) { staffChatMessages(chatId: $c, last: $last, before: $before) { nodes { ${MESSAGE_FIELDS} } previousCursor } }`
const CHAT = `query($id: ID!) { staffChat(id: $id) { ${CHAT_FIELDS} } }`
const CHATS = `query($first: Int, $after: String) { staffChats(first: $first, after: $after) { nodes { ${CHAT_FIELDS} } nextCursor } }`
const ADD = `mutation($c: ID!, $u: ID!) { addStaffChatMember(chatId: $c, userId: $u) { ${CHAT_FIELDS} } }`
const LEAVE = 'mutation($c: ID!) { leaveStaffChat(chatId: $c) }'
const READ = `mutation($c: ID!) { markStaffChatRead(chatId: $c) { ${CHAT_FIELDS} } }`
const ADDED = `subscription($c: ID!) { staffChatMessageAdded(chatId: $c) { ${MESSAGE_FIELDS} } }`
const EDITED = `subscription($c: ID!) { staffChatMessageEdited(chatId: $c) { ${MESSAGE_FIELDS} } }`
const CHAT_ADDED = `subscription { staffChatAdded { addedById addedByName chat { ${CHAT_FIELDS} } } }`

const sorted = (ids: string[]): string[] => [...ids].sort((a, b) => Number(a) - Number(b))

t.test('discuss in a new chat: the caller and the dialog\'s current staff; the first message quotes the source', async (t) => {
  const before = await conversationMessages(s.admin, d.conversationId)
  const { startStaffChatFromMessage: chat } = ok(await s.admin.query(FROM_MESSAGE, { m: d.clientMessageId, t: '  Lost parcel  ', c: 'Who shipped this?' }), 'start from message')
  t.equal(chat.title, 'Lost parcel', 'title trimmed')
  t.equal(chat.createdById, s.h.admin.id)
  t.equal(chat.sourceConversationId, d.conversationId)
  t.equal(chat.sourceMessageId, d.clientMessageId)
  t.same(sorted(chat.members.map((m: { userId: string }) => m.userId)), sorted([s.h.admin.id, d.assignee.id, d.invited.id]),
    'caller, assignee and current participant; not the one who skipped, the dismissed one or an outsider')
  t.equal(chat.members.find((m: { userId: string }) => m.userId === d.assignee.id).name, 'Assignee 1')

  const { staffChatMessages: page } = ok(await d.invited.query(MESSAGES, { c: chat.id }), 'messages as a member')
  t.equal(page.nodes.length, 1)
  t.match(page.nodes[0], {
    chatId: chat.id,
    authorId: s.h.admin.id,
    authorName: 'Test Admin',
    body: 'Who shipped this?',
    quote: { conversationId: d.conversationId, messageId: d.clientMessageId, authorKind: 'client', body: d.clientText }
  })
  t.equal(chat.lastMessage.id, page.nodes[0].id)

  // The assignee starts one too, without a comment: the quote carries the text.
  const { startStaffChatFromMessage: own } = ok(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, t: 'Mine' }), 'assignee starts')
  t.same(sorted(own.members.map((m: { userId: string }) => m.userId)), sorted([d.assignee.id, d.invited.id]), 'the caller counted once')
  const opening = ok(await d.assignee.query(MESSAGES, { c: own.id }), 'opening').staffChatMessages.nodes[0]
  t.equal(opening.body, '')
  t.equal(opening.quote.body, d.clientText)

  ok(await d.invited.query(POST, { c: chat.id, b: 'Warehouse B, I think' }), 'post')
  t.same(await conversationMessages(s.admin, d.conversationId), before, 'the conversation (and so the client) got nothing')
  const conv = ok(await s.admin.query('query($id: ID!) { conversation(id: $id) { messageCount } }', { id: d.conversationId }), 'conversation')
  t.equal(conv.conversation.messageCount, before.length)
})

t.test('start a chat with chosen colleagues; messages, pages, unread counts and read marks', async (t) => {
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Shift handover', ids: [d.invited.id, d.left.id, d.invited.id] }), 'start')
  t.same(sorted(chat.members.map((m: { userId: string }) => m.userId)), sorted([d.assignee.id, d.invited.id, d.left.id]), 'repeats collapse, caller included')
  t.equal(chat.unreadCount, 0)
  t.equal(chat.lastMessage, null)

  for (let i = 1; i <= 5; i++) ok(await d.assignee.query(POST, { c: chat.id, b: `note ${i}` }), `post ${i}`)
  const asAuthor = ok(await d.assignee.query(CHAT, { id: chat.id }), 'author view').staffChat
  t.equal(asAuthor.unreadCount, 0, 'one\'s own messages are read')
  const asInvited = ok(await d.invited.query(CHAT, { id: chat.id }), 'member view').staffChat
  t.equal(asInvited.unreadCount, 5)
  t.equal(asInvited.lastMessage.body, 'note 5')

  const newest = ok(await d.invited.query(MESSAGES, { c: chat.id, last: 2 }), 'last page').staffChatMessages
  t.same(newest.nodes.map((m: { body: string }) => m.body), ['note 4', 'note 5'], 'oldest first within a page')
  const older = ok(await d.invited.query(MESSAGES, { c: chat.id, last: 2, before: newest.previousCursor }), 'older').staffChatMessages
  t.same(older.nodes.map((m: { body: string }) => m.body), ['note 2', 'note 3'])
  const oldest = ok(await d.invited.query(MESSAGES, { c: chat.id, last: 2, before: older.previousCursor }), 'oldest').staffChatMessages
  t.same(oldest.nodes.map((m: { body: string }) => m.body), ['note 1'])
  t.equal(oldest.previousCursor, null)

  t.equal(ok(await d.invited.query(READ, { c: chat.id }), 'mark read').markStaffChatRead.unreadCount, 0)
  t.equal(ok(await d.left.query(CHAT, { id: chat.id }), 'another member').staffChat.unreadCount, 5, 'read marks are per member')
  ok(await d.assignee.query(POST, { c: chat.id, b: 'note 6' }), 'one more')
  t.equal(ok(await d.invited.query(CHAT, { id: chat.id }), 'after more').staffChat.unreadCount, 1, 'only what came after the mark')
  ok(await d.invited.query(POST, { c: chat.id, b: 'got it' }), 'reply')
  t.equal(ok(await d.invited.query(CHAT, { id: chat.id }), 'after reply').staffChat.unreadCount, 0, 'replying reads what came before')
  t.equal(ok(await d.assignee.query(CHAT, { id: chat.id }), 'author again').staffChat.unreadCount, 1, 'the reply is unread for the others')

  const edited = ok(await d.assignee.query(EDIT, { id: older.nodes[0].id, b: 'note 2 (fixed)' }), 'edit').editStaffChatMessage
  t.equal(edited.body, 'note 2 (fixed)')
  t.ok(edited.editedAt, 'marked edited')
  t.equal(failure(await d.invited.query(EDIT, { id: older.nodes[0].id, b: 'mine now' })).code, 'OL_FORBIDDEN', 'only the author edits')
})

t.test('the list: the caller\'s chats, newest activity first, keyset pages', async (t) => {
  const agent = await s.h.createAgent({ name: 'Lister' })
  const ids: string[] = []
  for (const title of ['first', 'second', 'third']) ids.push(ok(await agent.query(START, { t: title, ids: [d.invited.id] }), title).startStaffChat.id)
  const titles = async (): Promise<string[]> => ok(await agent.query(CHATS, { first: 10 }), 'list').staffChats.nodes.map((c: { title: string }) => c.title)
  t.same(await titles(), ['third', 'second', 'first'])
  ok(await d.invited.query(POST, { c: ids[0], b: 'bump' }), 'activity in the oldest')
  t.same(await titles(), ['first', 'third', 'second'], 'activity moves a chat to the top')
  t.equal(ok(await agent.query(CHATS, { first: 10 }), 'list').staffChats.nodes[0].unreadCount, 1)

  const one = ok(await agent.query(CHATS, { first: 1 }), 'page 1').staffChats
  const two = ok(await agent.query(CHATS, { first: 1, after: one.nextCursor }), 'page 2').staffChats
  const three = ok(await agent.query(CHATS, { first: 1, after: two.nextCursor }), 'page 3').staffChats
  t.same([...one.nodes, ...two.nodes, ...three.nodes].map((c: { title: string }) => c.title), ['first', 'third', 'second'])
  t.equal(three.nextCursor, null)

  ok(await agent.query(LEAVE, { c: ids[1] }), 'leave')
  t.same(await titles(), ['first', 'third'], 'a chat one left is gone from one\'s list')
  t.equal(ok(await agent.query(CHAT, { id: ids[1] }), 'left chat').staffChat, null)
  t.equal(failure(await agent.query(CHATS, { first: 0 })).paths[0], '/first')
  t.equal(failure(await agent.query(CHATS, { first: 10, after: 'not-a-cursor' })).paths[0], '/after')
})

t.test('live: members get pushes over websocket; a non-member gets an error; one who left stops receiving', async (t) => {
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Live', ids: [d.invited.id] }), 'start')
  // One subscription per client: the test kit's subscribe waits for the socket's first connection.
  const member = await d.invited.subscribe(ADDED, { c: chat.id })
  const edits = await (await s.h.login(d.invited.email, d.invited.password)).subscribe(EDITED, { c: chat.id })
  t.teardown(() => { member.close(); edits.close() })

  const outsider = await d.outsider.subscribe(ADDED, { c: chat.id })
  t.teardown(() => outsider.close())
  const refused = await outsider.next()
  t.equal(refused.data, undefined, 'no data for a non-member')
  t.match(refused.errors?.[0]?.message, /not found/i)

  const posted = ok(await d.assignee.query(POST, { c: chat.id, b: 'Anyone there?' }), 'post').postStaffChatMessage
  const push = await member.next()
  t.match(push.data?.staffChatMessageAdded, { id: posted.id, chatId: chat.id, authorId: d.assignee.id, authorName: 'Assignee 1', body: 'Anyone there?', quote: null })

  ok(await d.assignee.query(EDIT, { id: posted.id, b: 'Anyone there? (urgent)' }), 'edit')
  t.match((await edits.next()).data?.staffChatMessageEdited, { id: posted.id, body: 'Anyone there? (urgent)' })

  ok(await d.invited.query(LEAVE, { c: chat.id }), 'leave')
  ok(await d.assignee.query(POST, { c: chat.id, b: 'after you left' }), 'post while away')
  ok(await d.assignee.query(ADD, { c: chat.id, u: d.invited.id }), 'add back')
  ok(await d.assignee.query(POST, { c: chat.id, b: 'welcome back' }), 'post after return')
  // Pushes of one subscription arrive in order: the next one is the message after the return.
  t.equal((await member.next()).data?.staffChatMessageAdded.body, 'welcome back', 'nothing arrived while away')
  t.same(outsider.buffered(), [], 'the outsider got nothing more')
})

t.test('live: staffChatAdded tells only the colleague put in a chat, at once, with the chat as they see it', async (t) => {
  // A fresh sign-in for each subscription (one socket per client).
  const listen = async (agent: { email: string, password: string }) => (await s.h.login(agent.email, agent.password)).subscribe(CHAT_ADDED)
  const invited = await listen(d.invited)
  const outsider = await listen(d.outsider)
  const assignee = await listen(d.assignee)
  t.teardown(() => { invited.close(); outsider.close(); assignee.close() })

  // Started with a colleague: they hear of it; the one who started it does not.
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Pushed', ids: [d.invited.id] }), 'start')
  const first = (await invited.next()).data?.staffChatAdded
  t.match(first, { addedById: d.assignee.id, addedByName: 'Assignee 1', chat: { id: chat.id, title: 'Pushed', createdById: d.assignee.id, unreadCount: 0, lastMessage: null } })
  t.same(sorted(first.chat.members.map((m: { userId: string }) => m.userId)), sorted([d.assignee.id, d.invited.id]))

  // Added later: the chat as the newcomer sees it (the history unread), pushed to them alone.
  ok(await d.assignee.query(POST, { c: chat.id, b: 'before you came' }), 'post')
  ok(await d.invited.query(ADD, { c: chat.id, u: d.outsider.id }), 'add')
  t.match((await outsider.next()).data?.staffChatAdded, { addedById: d.invited.id, addedByName: 'Invited 1', chat: { id: chat.id, unreadCount: 1, lastMessage: { body: 'before you came' } } })
  ok(await d.assignee.query(ADD, { c: chat.id, u: d.outsider.id }), 'add a current member again')

  // Discuss in a new chat: the conversation's staff other than the caller hear of it.
  const { startStaffChatFromMessage: fromMessage } = ok(await s.admin.query(FROM_MESSAGE, { m: d.clientMessageId, t: 'From the dialog' }), 'from message')
  t.match((await assignee.next()).data?.staffChatAdded, { addedById: s.h.admin.id, chat: { id: fromMessage.id, title: 'From the dialog', sourceMessageId: d.clientMessageId } })
  t.match((await invited.next()).data?.staffChatAdded, { chat: { id: fromMessage.id } }, 'pushes of one user arrive in order: nothing in between')

  // One of the staff starts it: the others hear of it, the caller does not.
  const { startStaffChatFromMessage: own } = ok(await d.invited.query(FROM_MESSAGE, { m: d.clientMessageId, t: 'Mine too' }), 'from message by staff')
  t.equal((await assignee.next()).data?.staffChatAdded.chat.id, own.id)
  const { startStaffChat: later } = ok(await d.assignee.query(START, { t: 'Later', ids: [d.outsider.id, d.invited.id] }), 'another chat')
  t.equal((await invited.next()).data?.staffChatAdded.chat.id, later.id, 'not told of the chat one started')
  t.equal((await outsider.next()).data?.staffChatAdded.chat.id, later.id, 'adding a current member again announced nothing')
  t.same([invited.buffered(), outsider.buffered(), assignee.buffered()], [[], [], []], 'no one heard of chats they were not put in')
})

t.test('members: add active colleagues only; a returning member keeps history', async (t) => {
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Members', ids: [] }), 'alone')
  t.same(chat.members.map((m: { userId: string }) => m.userId), [d.assignee.id])
  ok(await d.assignee.query(POST, { c: chat.id, b: 'before you came' }), 'post')
  const added = ok(await d.assignee.query(ADD, { c: chat.id, u: d.outsider.id }), 'add').addStaffChatMember
  t.same(sorted(added.members.map((m: { userId: string }) => m.userId)), sorted([d.assignee.id, d.outsider.id]))
  t.same(ok(await d.outsider.query(MESSAGES, { c: chat.id }), 'history').staffChatMessages.nodes.map((m: { body: string }) => m.body), ['before you came'], 'a new member reads the history')
  const again = ok(await d.assignee.query(ADD, { c: chat.id, u: d.outsider.id }), 'add twice').addStaffChatMember
  t.equal(again.members.length, 2, 'adding a member twice changes nothing')

  const inactive = failure(await d.assignee.query(ADD, { c: chat.id, u: d.dismissedId }))
  t.same(inactive, { code: 'OL_VALIDATION', paths: ['/userId'] }, 'an inactive user cannot be added')
  t.same(failure(await d.assignee.query(ADD, { c: chat.id, u: '9999999' })), { code: 'OL_VALIDATION', paths: ['/userId'] }, 'nor an unknown one')
  t.same(failure(await d.assignee.query(ADD, { c: chat.id, u: 'x' })), { code: 'OL_VALIDATION', paths: ['/userId'] })
})

t.test('non-members: the chat does not exist for them, and unknown ids read the same', async (t) => {
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Private', ids: [d.invited.id] }), 'start')
  const posted = ok(await d.assignee.query(POST, { c: chat.id, b: 'secret plan' }), 'post').postStaffChatMessage
  const unknown = '9999999'
  t.equal(ok(await d.outsider.query(CHAT, { id: chat.id }), 'chat').staffChat, null)
  t.notOk(ok(await d.outsider.query(CHATS, { first: 100 }), 'list').staffChats.nodes.some((c: { id: string }) => c.id === chat.id))
  for (const [what, query, variables] of [
    ['messages', MESSAGES, { c: chat.id }],
    ['post', POST, { c: chat.id, b: 'let me in' }],
    ['edit', EDIT, { id: posted.id, b: 'changed' }],
    ['add themselves', ADD, { c: chat.id, u: d.outsider.id }],
    ['leave', LEAVE, { c: chat.id }],
    ['mark read', READ, { c: chat.id }]
  ] as const) {
    const res = await d.outsider.query(query, variables)
    t.equal(failure(res).code, 'OL_NOT_FOUND', `${what}: not found`)
    const other = await d.outsider.query(query, { ...variables, ...('c' in variables ? { c: unknown } : { id: unknown }) })
    t.equal(res.errors?.[0]?.message, other.errors?.[0]?.message, `${what}: same answer as for an unknown id`)
  }
  const messages = ok(await d.invited.query(MESSAGES, { c: chat.id }), 'member reads').staffChatMessages.nodes
  t.same(messages.map((m: { body: string }) => m.body), ['secret plan'], 'nothing the outsider tried got in')

  // Starting from a message of a conversation one may not see is the same as from an unknown message.
  const hidden = await d.outsider.query(FROM_MESSAGE, { m: d.clientMessageId, t: 'Peek' })
  const missing = await d.outsider.query(FROM_MESSAGE, { m: unknown, t: 'Peek' })
  t.equal(failure(hidden).code, 'OL_NOT_FOUND')
  t.equal(failure(missing).code, 'OL_NOT_FOUND')
  t.notOk(ok(await d.outsider.query(CHATS, { first: 100 }), 'list').staffChats.nodes.some((c: { title: string }) => c.title === 'Peek'), 'no chat was made')

  const anonymous = s.h.agent()
  t.equal(failure(await anonymous.query(CHATS, { first: 1 })).code, 'OL_UNAUTHENTICATED')
  t.equal(failure(await anonymous.query(POST, { c: chat.id, b: 'hi' })).code, 'OL_UNAUTHENTICATED')
})

t.test('bad input: field errors', async (t) => {
  const { startStaffChat: chat } = ok(await d.assignee.query(START, { t: 'Input', ids: [] }), 'start')
  t.same(failure(await d.assignee.query(POST, { c: chat.id, b: '' })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'empty body')
  t.same(failure(await d.assignee.query(POST, { c: chat.id, b: ' \n\t ' })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'blank body')
  t.same(failure(await d.assignee.query(POST, { c: chat.id, b: 'x'.repeat(10_001) })), { code: 'OL_VALIDATION', paths: ['/body'] }, 'oversized body')
  t.equal(ok(await d.assignee.query(POST, { c: chat.id, b: 'x'.repeat(10_000) }), 'longest').postStaffChatMessage.body.length, 10_000, '10 000 characters fit')
  t.same(failure(await d.assignee.query(POST, { c: 'abc', b: 'hi' })), { code: 'OL_VALIDATION', paths: ['/chatId'] })
  t.same(failure(await d.assignee.query(START, { t: '   ', ids: [] })), { code: 'OL_VALIDATION', paths: ['/title'] }, 'blank title')
  t.same(failure(await d.assignee.query(START, { t: 'x'.repeat(201), ids: [] })), { code: 'OL_VALIDATION', paths: ['/title'] }, 'long title')
  t.same(failure(await d.assignee.query(START, { t: 'Who?', ids: [d.invited.id, '9999999', d.dismissedId] })),
    { code: 'OL_VALIDATION', paths: ['/memberIds/1', '/memberIds/2'] }, 'unknown and inactive members, each named')
  t.same(failure(await d.assignee.query(START, { t: 'Who?', ids: ['0'] })), { code: 'OL_VALIDATION', paths: ['/memberIds/0'] })
  t.same(failure(await d.assignee.query(START, { t: 'Many', ids: Array.from({ length: 101 }, () => d.invited.id) })), { code: 'OL_VALIDATION', paths: ['/memberIds'] })
  t.same(failure(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, t: '' })), { code: 'OL_VALIDATION', paths: ['/title'] })
  t.same(failure(await d.assignee.query(FROM_MESSAGE, { m: d.clientMessageId, t: 'Long', c: 'y'.repeat(10_001) })), { code: 'OL_VALIDATION', paths: ['/comment'] })
  t.same(failure(await d.assignee.query(FROM_MESSAGE, { m: '-1', t: 'Bad' })), { code: 'OL_VALIDATION', paths: ['/messageId'] })
  t.same(failure(await d.assignee.query(MESSAGES, { c: chat.id, last: 101 })), { code: 'OL_VALIDATION', paths: ['/last'] })
  t.same(failure(await d.assignee.query(EDIT, { id: 'x', b: 'y' })), { code: 'OL_VALIDATION', paths: ['/id'] })
})
