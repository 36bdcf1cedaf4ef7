import t from 'tap'
import {
  GraphApiError, toDeliveryError, messagingWindow, splitText, buildMessages, mapWebhook, toWhatsAppDeliveryError, planWhatsApp, interactiveFor,
  templateMessage, templateParameterText, outsideWindow, mapWhatsAppChange, mapFeedChange, commentThreadUserId, whatsappConnector, commentsConnector
} from '../src/index.ts'

t.test('Graph API errors are classified', async (t) => {
  const e = (code: number | null, httpStatus: number | null, subcode: number | null = null, retryAfterMs?: number) => toDeliveryError(new GraphApiError('x', { code, httpStatus, subcode, retryAfterMs }), 1)
  for (const code of [4, 17, 32, 613]) {
    const d = e(code, 400)
    t.equal(d.retryable, true, `code ${code} retryable`)
    t.equal(d.retryAfterMs, 30_000, `code ${code} backs off 30 s`)
  }
  t.equal(e(613, 400, null, 5000).retryAfterMs, 5000, 'a named wait wins')
  t.equal(toDeliveryError(new GraphApiError('x', { code: 4, httpStatus: 400 }), 3).retryAfterMs, 120_000)
  t.match(e(551, 400), { retryable: false, undeliverable: true })
  t.match(e(10, 400), { retryable: false, undeliverable: false })
  t.match(e(200, 403), { retryable: false, undeliverable: false })
  t.match(e(190, 400), { retryable: false })
  t.match(e(100, 400), { retryable: false })
  t.match(e(null, 500), { retryable: true })
  t.match(e(2, 500), { retryable: true })
  t.match(e(1, 400), { retryable: true })
  t.match(e(null, null), { retryable: true }, 'network')
  t.match(e(null, 429, null, 2000), { retryable: true, retryAfterMs: 2000 })
  t.match(toDeliveryError(new Error('boom'), 1), { retryable: true })
})

t.test('messaging window', async (t) => {
  const now = Date.now()
  t.same(messagingWindow(null, now), { messaging_type: 'RESPONSE' })
  t.same(messagingWindow(new Date(now - 23 * 3_600_000), now), { messaging_type: 'RESPONSE' })
  t.same(messagingWindow(new Date(now - 25 * 3_600_000), now), { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' })
  t.same(messagingWindow(new Date(now - 7 * 24 * 3_600_000 + 1000), now), { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' })
  t.throws(() => messagingWindow(new Date(now - 7 * 24 * 3_600_000 - 1000), now), /more than 7 days/)
})

t.test('texts are split at 2000 characters without breaking surrogate pairs', async (t) => {
  const parts = splitText('😀'.repeat(1500))
  t.ok(parts.every(p => p.length <= 2000 && p.toWellFormed() === p))
  t.equal(parts.join(''), '😀'.repeat(1500))
  t.same(splitText('short'), ['short'])
  t.same(buildMessages({ body: 'hi', attachments: [], senderName: null }), [{ text: 'hi' }])
  t.throws(() => buildMessages({ body: '', attachments: [{ kind: 'image', storageKey: 'k' }], senderName: 'A' }), /public URL/)
})

t.test('mapWebhook never throws on junk', async (t) => {
  for (const junk of [null, 1, 'x', [], {}, { entry: 5 }, { object: 'page', entry: [null, { messaging: [null, 1, { sender: 5 }, { sender: { id: 'u' }, message: { mid: 'm', attachments: [null, { type: 'image' }, { type: 'x', payload: { url: 'https://a' } }] } }] }] }]) {
    t.doesNotThrow(() => mapWebhook(junk))
  }
})

t.test('WhatsApp errors are classified', async (t) => {
  const e = (code: number | null, httpStatus: number | null, retryAfterMs?: number) => toWhatsAppDeliveryError(new GraphApiError(`refused: ${code}`, { code, httpStatus, retryAfterMs }), 1)
  for (const code of [130429, 131056, 80007, 4, 613]) t.match(e(code, 400), { retryable: true, retryAfterMs: 30_000 }, `code ${code} backs off`)
  t.equal(e(130429, 400, 2000).retryAfterMs, 2000, 'a named wait wins')
  const reengagement = e(131047, 400)
  t.match(reengagement, { retryable: false, undeliverable: false })
  t.match(reengagement.message, /outside the 24-hour window; configure a template/)
  t.match(e(131026, 400), { retryable: false, undeliverable: true })
  t.match(e(131000, 500), { retryable: true })
  t.match(e(null, 503), { retryable: true })
  t.match(e(null, null), { retryable: true }, 'network')
  t.match(e(null, 429, 1000), { retryable: true, retryAfterMs: 1000 })
  t.match(e(132001, 400), { retryable: false }, 'template missing')
  t.match(e(190, 401), { retryable: false }, 'token')
  t.match(toWhatsAppDeliveryError(new Error('boom'), 1), { retryable: true })
})

t.test('WhatsApp planning: caption, text split, buttons, lists, plain choices', async (t) => {
  const base = { senderName: 'Ana *B*', meta: {}, attachments: [] }
  t.same(planWhatsApp({ ...base, body: 'hi' }), [{ type: 'text', body: '*Ana B*:\nhi' }], 'markup characters leave the name')
  t.same(planWhatsApp({ ...base, senderName: null, body: 'see', attachments: [{ kind: 'image', storageKey: 'k' }] }), [{ type: 'media', attachment: { kind: 'image', storageKey: 'k' }, caption: 'see' }])
  t.same(planWhatsApp({ ...base, senderName: null, body: 'hear', attachments: [{ kind: 'audio', storageKey: 'k' }] }).map(p => p.type), ['media', 'text'], 'audio takes no caption')
  const long = planWhatsApp({ ...base, senderName: null, body: 'a '.repeat(3000) })
  t.ok(long.length === 2 && long.every(p => p.type === 'text' && p.body.length <= 4096))
  t.same(interactiveFor('x', [{ id: 'a', title: 'A' }]), { type: 'button', body: { text: 'x' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] } })
  t.equal(interactiveFor('x'.repeat(1025), [{ id: 'a', title: 'A' }])?.type, 'list', 'a body over 1024 needs a list')
  t.equal(interactiveFor('x', [{ id: 'a', title: 'A title of 21 chars!!' }])?.type, 'list')
  t.equal(interactiveFor('x', [{ id: 'a', title: 'y'.repeat(25) }]), null, 'a title over 24: neither')
  t.equal(interactiveFor('x', []), null)
  const dupes = planWhatsApp({ ...base, senderName: null, body: 'q', meta: { buttons: [{ text: 'A', data: 'same' }, { text: 'B', data: 'same' }] } })
  t.same((dupes[0] as any).interactive.action.buttons.map((b: any) => b.reply.id), ['same'], 'ids stay unique')
})

t.test('WhatsApp window and templates', async (t) => {
  const now = Date.now()
  t.equal(outsideWindow(null, now), false)
  t.equal(outsideWindow(new Date(now - 23 * 3_600_000), now), false)
  t.equal(outsideWindow(new Date(now - 25 * 3_600_000), now), true)
  t.equal(templateParameterText('a\nb\t\tc      d'), 'a b c   d')
  t.equal(templateParameterText('   '), '-')
  t.ok(templateParameterText('z'.repeat(5000)).length <= 1024)
  t.same(templateMessage({ name: 'x', language: 'pt_BR', bodyParameters: [] }, { body: 'b', senderName: null }), { name: 'x', language: { code: 'pt_BR' } })
  t.same(templateMessage({ name: 'x', language: 'en', bodyParameters: ['agentName', 'message'] }, { body: 'b', senderName: null }).components, [{ type: 'body', parameters: [{ type: 'text', text: 'Support' }, { type: 'text', text: 'b' }] }])
})

t.test('WhatsApp and feed mappers never throw on junk', async (t) => {
  const junk = [null, 1, 'x', [], {}, { field: 'messages' }, { field: 'messages', value: { messages: [null, 1, {}, { id: 'w', from: 'f' }, { id: 'w', from: 'f', type: 'image', image: { id: '../../x' } }], statuses: [null, {}, { id: 'w', status: 'failed', errors: 'x' }] } }]
  for (const j of junk) t.doesNotThrow(() => mapWhatsAppChange(j))
  t.same(mapWhatsAppChange({ field: 'messages', value: { messages: [{ id: 'w', from: '1', type: 'image', image: { id: '../../x', caption: 'c' } }] } }).events[0], {
    kind: 'message', media: [], message: { externalUserId: '1', externalMessageId: 'w', sentAt: undefined, text: 'c', meta: { object: 'whatsapp_business_account', type: 'image' } }
  }, 'a media id that is not an id is not looked up')
  for (const j of [...junk, { field: 'feed', value: { item: 'comment', verb: 'add' } }]) t.doesNotThrow(() => mapFeedChange(j, '1'))
  t.equal(commentThreadUserId('42', '1_2'), '42@1_2')
  t.doesNotThrow(() => mapWebhook({ object: 'whatsapp_business_account', entry: [null, { changes: [null, 5, { field: 'messages', value: null }] }] }))
  t.doesNotThrow(() => mapWebhook({ object: 'page', entry: [{ id: { x: 1 }, changes: [{ field: 'feed', value: { item: 'comment', verb: 'add', from: { id: [] } } }] }] }))
})

t.test('connector capabilities', async (t) => {
  t.match(whatsappConnector.capabilities, { typing: true, buttons: true, attachments: true, edits: false, deletes: false })
  t.match(commentsConnector.capabilities, { typing: false, buttons: false, edits: true, deletes: true })
})
