// The pure parts: address literals, URL rules, back-off, Retry-After, signatures, answer classes.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { isNonPublicLiteral } from '../src/address.ts'
import { checkUrl } from '../src/input.ts'
import { backoffMs, nextDelayMs, retryAfterMs, maxRetryAfterMs } from '../src/retry.ts'
import { newSecret, signatureOf } from '../src/signature.ts'
import { classifyError, classifyResponse, signedHeaders } from '../src/send.ts'

t.test('IP literals outside the public space are recognised; names are left to the delivery guard', async (t) => {
  for (const host of ['127.0.0.1', '10.9.8.7', '172.31.255.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '[::1]', '[::]', '[fd00::1]', '[fe80::1]', '[::ffff:7f00:1]', '[::ffff:808:808]']) {
    t.ok(isNonPublicLiteral(host), host)
  }
  for (const host of ['8.8.8.8', '93.184.216.34', '[2606:4700::1111]', 'localhost', 'example.com', '172.32.0.1']) {
    t.notOk(isNonPublicLiteral(host), host)
  }
})

t.test('endpoint URLs', async (t) => {
  const strict = { allowHttp: false, trustedOrigins: [] }
  const lax = { allowHttp: true, trustedOrigins: ['http://127.0.0.1:8080/ignored-path'] }
  t.equal(checkUrl('https://hooks.example.com/in?x=1', strict), 'https://hooks.example.com/in?x=1')
  t.match(checkUrl('http://hooks.example.com/in', strict), { path: '/url', message: 'must use https' })
  t.equal(checkUrl('http://hooks.example.com/in', lax), 'http://hooks.example.com/in')
  t.match(checkUrl('https://127.0.0.1:8080/in', strict), { message: /private/ })
  t.equal(checkUrl('http://127.0.0.1:8080/in', lax), 'http://127.0.0.1:8080/in', 'a trusted origin')
  t.match(checkUrl('http://127.0.0.1:8081/in', lax), { message: /private/ }, 'another port is another origin')
  t.match(checkUrl('https://0x7f.1/in', strict), { message: /private/ }, 'odd spellings of loopback are normalised first')
  t.match(checkUrl('https://a.example/#frag', strict), { message: /fragment/ })
  t.match(checkUrl('javascript:alert(1)', lax), { message: 'must use http or https' })
  t.match(checkUrl('https://x.example/' + 'a'.repeat(2048), strict), { message: /at most/ })
  t.match(checkUrl(42, strict), { message: 'must not be empty' })
})

t.test('back-off doubles from the base; Retry-After can only lengthen it', async (t) => {
  t.same([1, 2, 3, 4].map(n => backoffMs(n, 1000, () => 0)), [1000, 2000, 4000, 8000])
  t.equal(backoffMs(1, 1000, () => 0.999), 1100, 'at most 10 % jitter')
  const total = Array.from({ length: 9 }, (_, i) => backoffMs(i + 1, 40_000, () => 0)).reduce((a, b) => a + b, 0)
  t.ok(total > 5 * 3600_000 && total < 7 * 3600_000, 'ten attempts with the defaults span about six hours')
  t.equal(retryAfterMs('120'), 120_000)
  t.equal(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1)), 30_000)
  t.equal(retryAfterMs('999999999'), maxRetryAfterMs, 'capped')
  t.equal(retryAfterMs('soon'), null)
  t.equal(retryAfterMs(null), null)
  t.ok(nextDelayMs(1, 100, 5000) === 5000)
  t.ok(nextDelayMs(3, 1000, 5) >= 4000)
})

t.test('signatures: HMAC-SHA256 over "timestamp.body"', async (t) => {
  const secret = newSecret()
  t.match(secret, /^whsec_[\w-]{43}$/)
  t.not(newSecret(), secret)
  const body = '{"id":"x"}'
  t.equal(signatureOf(secret, '1700000000', body), 'sha256=' + createHmac('sha256', secret).update('1700000000.' + body).digest('hex'))
  const headers = signedHeaders({ url: 'https://x.example', secret, uid: 'u-1', event: 'ping', body }, 1_700_000_000_999)
  t.match(headers, { 'x-openline-event': 'ping', 'x-openline-delivery': 'u-1', 'x-openline-timestamp': '1700000000', 'content-type': 'application/json' })
  t.equal(headers['x-openline-signature'], signatureOf(secret, '1700000000', body))
})

t.test('what an answer means', async (t) => {
  const h = (o: Record<string, string> = {}): Headers => new Headers(o)
  const none = Buffer.alloc(0)
  t.match(classifyResponse(204, h(), none), { result: 'delivered', responseStatus: 204 })
  t.match(classifyResponse(410, h(), none), { result: 'gone' })
  t.match(classifyResponse(500, h(), Buffer.from('boom\n')), { result: 'retry', responseStatus: 500, error: 'The receiver answered 500: boom', askedDelayMs: null })
  t.match(classifyResponse(429, h({ 'retry-after': '7' }), none), { result: 'retry', askedDelayMs: 7000 })
  t.match(classifyResponse(408, h(), none), { result: 'retry' })
  t.match(classifyResponse(404, h(), none), { result: 'failed', responseStatus: 404 })
  t.match(classifyResponse(301, h({ location: 'https://elsewhere.example/' }), none), { result: 'failed', error: /redirects are not followed \(to https:\/\/elsewhere/ })
  t.match(classifyError(Object.assign(new Error('Refusing to connect to x (10.0.0.1): not a public address'), { code: 'OL_SSRF_BLOCKED' })), { result: 'failed', error: /^Blocked by the SSRF guard/ })
  t.match(classifyError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), { result: 'retry', error: 'The request failed: ECONNREFUSED' })
})
