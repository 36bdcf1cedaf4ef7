// Pure mapping of Telegram updates (no app): ids, group chats, file choice, the secret comparison.
import t from 'tap'
import { mapUpdate, secretMatches, inlineKeyboard } from '../src/index.ts'
import { splitText } from '../src/outbound.ts'

t.test('a group message: the sender is the user, the chat is the group, ids are per chat', async (t) => {
  const mapped = mapUpdate({
    update_id: 5,
    message: { message_id: 42, from: { id: 7, is_bot: false, first_name: 'Ana' }, chat: { id: -1001234567890, type: 'supergroup', title: 'Support' }, date: 1700000000, text: 'hi', reply_to_message: { message_id: 41 } }
  })
  t.equal(mapped.kind, 'message')
  if (mapped.kind !== 'message') return
  t.match(mapped.inbound, { externalUserId: '7', externalChatId: '-1001234567890', externalMessageId: '-1001234567890:42', quoteExternalId: '-1001234567890:41', text: 'hi', client: { name: 'Ana' }, meta: { updateId: 5, chatType: 'supergroup' } })
  t.equal(mapped.inbound.sentAt?.toISOString(), '2023-11-14T22:13:20.000Z')
})

t.test('files: the largest photo by area when sizes are missing; an animation is not also a document', async (t) => {
  const photo = mapUpdate({ update_id: 1, message: { message_id: 1, chat: { id: 1, type: 'private' }, from: { id: 1 }, date: 1, photo: [{ file_id: 'a', width: 10, height: 10 }, { file_id: 'b', width: 100, height: 80 }, { file_id: 'c', width: 50, height: 50 }] } })
  t.match(photo, { kind: 'message', files: [{ kind: 'image', fileId: 'b' }] })
  const gif = mapUpdate({ update_id: 1, message: { message_id: 2, chat: { id: 1, type: 'private' }, from: { id: 1 }, date: 1, animation: { file_id: 'g', file_unique_id: 'g', width: 1, height: 1, duration: 1 }, document: { file_id: 'g', file_unique_id: 'g' } } })
  t.equal(gif.kind === 'message' ? gif.files.length : -1, 1)
})

t.test('updates that are not messages: ignored or invalid', async (t) => {
  t.match(mapUpdate({ update_id: 1, channel_post: {} }), { kind: 'ignore' })
  t.match(mapUpdate({ update_id: 1 }), { kind: 'ignore' })
  t.match(mapUpdate({ update_id: -1, message: {} }), { kind: 'invalid' })
  t.match(mapUpdate({ update_id: '1', message: {} }), { kind: 'invalid' })
  t.match(mapUpdate([]), { kind: 'invalid' })
  t.match(mapUpdate({ update_id: 1, message: { message_id: 1, chat: { id: 1 }, date: 1 } }), { kind: 'ignore' }, 'no content')
  t.match(mapUpdate({ update_id: 1, message: { message_id: 1.5, chat: { id: 1 }, text: 'x' } }), { kind: 'ignore' }, 'a fractional id')
  t.match(mapUpdate({ update_id: 1, callback_query: { id: '', from: { id: 1 } } }), { kind: 'ignore' })
})

t.test('a callback without the originating message still maps (inaccessible messages)', async (t) => {
  const mapped = mapUpdate({ update_id: 9, callback_query: { id: 'q1', from: { id: 3, first_name: 'B' }, chat_instance: 'x', data: 'rate:bad' } })
  t.match(mapped, { kind: 'callback', callbackQueryId: 'q1', inbound: { externalUserId: '3', externalChatId: '3', externalMessageId: 'cb:q1', text: 'rate:bad', meta: { callbackData: 'rate:bad' } } })
})

t.test('secretMatches: equal strings only, constant-time over digests', async (t) => {
  t.ok(secretMatches('abc_DEF-123', 'abc_DEF-123'))
  t.notOk(secretMatches('abc_DEF-12', 'abc_DEF-123'))
  t.notOk(secretMatches(undefined, 'abc'))
  t.notOk(secretMatches(['abc'], 'abc'))
  t.notOk(secretMatches('', ''))
  t.notOk(secretMatches('abc', undefined))
})

t.test('splitText keeps surrogate pairs whole and every part within the limit', async (t) => {
  const text = '😀'.repeat(3000)
  const parts = splitText(text)
  t.ok(parts.every(p => p.length <= 4096 && p.isWellFormed()))
  t.equal(parts.join(''), text)
  t.same(inlineKeyboard({ buttons: 'nope' }), undefined)
})
