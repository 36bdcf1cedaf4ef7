// Pure parts: the exact-token JSON parse, error classification, callback mapping, send bodies.
import t from 'tap'
import { DeliveryError, type OutboundDelivery } from '@openline/sdk'
import { parseViberJson, toDeliveryError, viberStatus, mapCallback, buildMessages } from '../src/index.ts'
import { ViberApiError } from '../src/api.ts'
import { readSettings } from '../src/settings.ts'

t.test('message_token keeps all 64 bits', async (t) => {
  t.same(parseViberJson('{"message_token":4912661846655238145,"n":4912661846655238145}'), { message_token: '4912661846655238145', n: 4912661846655238000 })
})

t.test('send errors are classified', async (t) => {
  const of = (status: number): DeliveryError => toDeliveryError(new ViberApiError('x', { status, httpStatus: 200 }), 1)
  t.match(of(viberStatus.tooManyRequests), { retryable: true, retryAfterMs: 1000 })
  t.equal(toDeliveryError(new ViberApiError('x', { status: 12, httpStatus: 200 }), 4).retryAfterMs, 8000)
  t.match(of(viberStatus.receiverNotSubscribed), { retryable: false, undeliverable: true })
  t.match(of(viberStatus.receiverNotRegistered), { retryable: false, undeliverable: true })
  for (const s of [1, 2, 3, 4, 7, 8, 9, 10, 11, 13, 14]) t.match(of(s), { retryable: false, undeliverable: false }, `status ${s}`)
  t.match(of(99), { retryable: true }, 'generalError and unknown codes')
  t.match(toDeliveryError(new ViberApiError('x', { httpStatus: 502 }), 1), { retryable: true })
  t.match(toDeliveryError(new ViberApiError('x', { httpStatus: 429, retryAfterMs: 7000 }), 1), { retryable: true, retryAfterMs: 7000 })
  t.match(toDeliveryError(new ViberApiError('x', { httpStatus: 404 }), 1), { retryable: false })
  t.match(toDeliveryError(new ViberApiError('unreachable', {}), 1), { retryable: true })
})

t.test('callbacks are mapped', async (t) => {
  t.match(mapCallback({ event: 'seen', message_token: '5', user_id: 'u' }), { kind: 'deliveryStatus', status: 'read', messageToken: '5' })
  t.match(mapCallback({ event: 'delivered', message_token: 5 }), { kind: 'deliveryStatus', status: 'delivered' })
  t.match(mapCallback({ event: 'failed', message_token: '5', desc: 'nope' }), { kind: 'deliveryStatus', status: 'failed', error: 'nope' })
  t.match(mapCallback({ event: 'message', message_token: '1', sender: { id: 'u\u0000' }, message: { type: 'text', text: 'a\u0000b\ud800' } }), { kind: 'message', message: { externalUserId: 'u', text: 'ab\ufffd' } })
  t.match(mapCallback({ event: 'message', message_token: '1', sender: { id: 'u' }, message: { type: 'text', text: '' } }), { kind: 'ignored' })
  t.match(mapCallback({ event: 'message', message_token: '1', sender: {}, message: {} }), { kind: 'invalid' })
  t.match(mapCallback({ event: 'message', message_token: '1', sender: { id: 'u' }, message: { type: 'location', location: { lat: 91, lon: 0 } } }), { kind: 'ignored' })
  t.match(mapCallback({ event: 'something_new' }), { kind: 'ignored' })
  t.match(mapCallback([]), { kind: 'invalid' })
})

t.test('send bodies', async (t) => {
  const delivery = {
    idempotencyKey: 'outbox-1', attempt: 1, externalUserId: 'u1', externalChatId: null, body: 'hi', attachments: [], senderName: null, senderAvatarUrl: null,
    quoteExternalId: null, meta: {}, conversationId: '1', messageId: '1',
    connection: { id: '1', openChannelId: '1', connector: 'viber', externalAccountId: 'pa:1', status: 'connected', settings: { botName: 'Bot' }, secrets: { authToken: 'x' } }
  } as OutboundDelivery
  const settings = readSettings(delivery.connection.settings, delivery.connection.secrets)
  t.same(buildMessages(delivery, settings), [{ receiver: 'u1', min_api_version: 1, sender: { name: 'Bot' }, type: 'text', text: 'hi' }])
  t.same(buildMessages({ ...delivery, senderName: 'Maria', senderAvatarUrl: 'https://a.example/m.jpg' }, settings)[0].sender, { name: 'Maria', avatar: 'https://a.example/m.jpg' })
  const refusal = (fn: () => unknown): unknown => { try { fn() } catch (err) { return err } return null }
  t.match(refusal(() => buildMessages({ ...delivery, attachments: [{ kind: 'image', storageKey: '2026/01/x' }] }, settings)), { name: 'DeliveryError', retryable: false, message: /public URL/ })
  t.match(refusal(() => buildMessages({ ...delivery, body: 'x'.repeat(7001) }, settings)), { name: 'DeliveryError', retryable: false, message: /7000/ })
})
