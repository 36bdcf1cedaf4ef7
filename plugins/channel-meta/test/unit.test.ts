import t from 'tap'
import { GraphApiError, toDeliveryError, messagingWindow, splitText, buildMessages, mapWebhook } from '../src/index.ts'

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
