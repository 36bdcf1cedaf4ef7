import t from 'tap'
import Fastify from 'fastify'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { safeFetch, isPublicAddress } from '../src/files/safeFetch.ts'
import { localDiskStorage } from '../src/files/storage.ts'

const server = Fastify()
server.get('/file', async () => Buffer.alloc(1000, 1))
server.get('/big', async () => Buffer.alloc(50_000, 2))
server.get('/redirect', async (_req, reply) => reply.redirect('http://169.254.169.254/latest/meta-data/'))
await server.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`
t.teardown(() => server.close())

t.test('address classes', async (t) => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1']) t.notOk(isPublicAddress(a), a)
  for (const a of ['8.8.8.8', '151.101.1.1', '2a00:1450:4001::1']) t.ok(isPublicAddress(a), a)
})

t.test('URLs a payload names cannot reach loopback, private or metadata addresses', async (t) => {
  for (const url of [`${base}/file`, 'http://localhost/file', 'http://10.0.0.1/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd', 'gopher://x/']) {
    await t.rejects(safeFetch(url, { maxBytes: 10_000, timeoutMs: 2000 }), { code: 'OL_SSRF_BLOCKED' }, url)
  }
  await t.rejects(safeFetch('http://user:pw@example.com/', { maxBytes: 10 }), { code: 'OL_SSRF_BLOCKED' })
})

t.test('the configured provider origin is reachable, with a size limit and no redirects', async (t) => {
  const ok = await safeFetch(`${base}/file`, { maxBytes: 10_000, trustedOrigins: [base] })
  t.equal(ok.data.byteLength, 1000)
  await t.rejects(safeFetch(`${base}/big`, { maxBytes: 10_000, trustedOrigins: [base] }), { code: 'OL_FILE_TOO_LARGE' })
  const redirect = await safeFetch(`${base}/redirect`, { maxBytes: 10_000, trustedOrigins: [base] })
  t.equal(redirect.status, 302, 'a redirect is returned, never followed')
})

t.test('local storage keeps bytes under its root and refuses foreign keys', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'openline-storage-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const storage = localDiskStorage(dir)
  const key = await storage.put(Buffer.from('hello'))
  t.match(key, /^\d{4}\/\d{2}\/[0-9a-f-]{36}$/)
  t.equal((await storage.get(key)).toString(), 'hello')
  for (const bad of ['../../etc/passwd', '/etc/passwd', '2026/11/../../../x', '']) await t.rejects(storage.get(bad), { code: 'OL_NOT_FOUND' }, bad)
  await storage.remove(key)
  await t.rejects(storage.get(key))
})

t.test('provider media URLs: the API origin is trusted, media hosts go through the guard, others are refused', async (t) => {
  const { mediaSource } = await import('../src/plugins/context.ts')
  const policy = { apiBaseUrl: 'http://127.0.0.1:9999/pa', mediaHosts: ['fbcdn.net'] }
  t.same(mediaSource('http://127.0.0.1:9999/files/1', policy), { url: 'http://127.0.0.1:9999/files/1', trustedOrigin: 'http://127.0.0.1:9999' })
  t.same(mediaSource('https://scontent.xx.fbcdn.net/v/a.jpg', policy), { url: 'https://scontent.xx.fbcdn.net/v/a.jpg', trustedOrigin: null })
  for (const bad of ['https://fbcdn.net.evil.example/a.jpg', 'https://evilfbcdn.net/a.jpg', 'http://169.254.169.254/', 'file:///etc/passwd', 'not a url', 'http://127.0.0.1:9998/files/1']) {
    t.equal(mediaSource(bad, policy), null, bad)
  }
})
