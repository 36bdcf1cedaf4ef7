// Issue #4 point 7: agents upload files, attach them to messages, and colleagues download them
// through short-lived signed links served so that nothing in them can run in our origin.
import t from 'tap'
import { buildTestApp, startFakeProvider, testConnectorPlugin, createTestChannel, type TestApp, type FakeProvider, type AgentClient } from '@openline/testing'

let h: TestApp
let provider: FakeProvider
let admin: AgentClient
let ana: AgentClient & { id: string }
let bruno: AgentClient & { id: string }
let conversationId: string

t.before(async () => {
  provider = await startFakeProvider()
  h = await buildTestApp({ plugins: [testConnectorPlugin], config: { files: { maxBytes: 4096 } } as any })
  admin = await h.login(h.admin.email, h.admin.password)
  const channel = await createTestChannel(h, admin, provider, { name: 'Files' })
  ana = await h.createAgent({ name: 'Ana' })
  bruno = await h.createAgent({ name: 'Bruno' })
  ;({ conversationId } = await channel.inbound('client-files', 'here is my invoice'))
  await admin.query('mutation($id: ID!, $u: ID!) { transferConversation(id: $id, toUserId: $u) { id } }', { id: conversationId, u: ana.id })
})
t.teardown(async () => {
  await h?.close()
  await provider?.close()
})

async function upload (token: string | null, name: string, data: string | Buffer, type = 'application/octet-stream'): Promise<{ status: number, body: any }> {
  const form = new FormData()
  form.append('file', new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type }), name)
  const res = await fetch(`${h.url}/files`, { method: 'POST', headers: token === null ? {} : { authorization: `Bearer ${token}` }, body: form })
  return { status: res.status, body: await res.json() }
}

t.test('upload, attach, download through a signed link', async (t) => {
  const up = await upload(ana.token, '../../etc/Relatório\u0007 final.txt', 'Olá, mundo', 'text/plain')
  t.equal(up.status, 201)
  t.equal(up.body.name, 'Relatório final.txt', 'no path, no control characters')
  t.equal(up.body.size, Buffer.byteLength('Olá, mundo'))
  const sent = await ana.query('mutation($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "see attached", attachmentIds: $a) { id attachments } }', { c: conversationId, a: [up.body.id] })
  t.equal(sent.errors, undefined)
  const [attachment] = sent.data.sendMessage.attachments
  t.match(attachment, { kind: 'file', name: 'Relatório final.txt', mimeType: 'text/plain' })
  t.match(attachment.url, new RegExp(`^${h.url}/files/`))
  const res = await fetch(attachment.url)
  t.equal(res.status, 200)
  t.equal(await res.text(), 'Olá, mundo')
  t.equal(res.headers.get('x-content-type-options'), 'nosniff')
  t.equal(res.headers.get('content-security-policy'), "default-src 'none'; sandbox")
  t.match(res.headers.get('content-disposition'), /^inline; .*filename\*=UTF-8''Relat%C3%B3rio%20final\.txt/)
  const forged = attachment.url.slice(0, -3) + (attachment.url.endsWith('AAA') ? 'BBB' : 'AAA')
  t.equal((await fetch(forged)).status, 404, 'a tampered link is refused')
})

t.test('active content is always a download', async (t) => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
  const up = await upload(ana.token, 'logo.svg', svg, 'image/svg+xml')
  t.equal(up.status, 201)
  const sent = await ana.query('mutation($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "", attachmentIds: $a, internal: true) { attachments } }', { c: conversationId, a: [up.body.id] })
  const res = await fetch(sent.data.sendMessage.attachments[0].url)
  t.equal(res.headers.get('content-type'), 'application/octet-stream')
  t.match(res.headers.get('content-disposition'), /^attachment; filename="logo.svg"/)
  const html = await upload(ana.token, 'page.html', '<script>alert(1)</script>', 'text/html')
  const sent2 = await ana.query('mutation($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "x", attachmentIds: $a, internal: true) { attachments } }', { c: conversationId, a: [html.body.id] })
  const res2 = await fetch(sent2.data.sendMessage.attachments[0].url)
  t.match(res2.headers.get('content-disposition'), /^attachment/)
})

t.test('limits and ownership', async (t) => {
  t.equal((await upload(null, 'a.txt', 'x')).status, 401, 'signed-in staff only')
  const exe = await upload(ana.token, 'setup.EXE', 'MZ')
  t.equal(exe.status, 415)
  t.equal(exe.body.error, 'OL_VALIDATION')
  const big = await upload(ana.token, 'big.bin', Buffer.alloc(5000, 1))
  t.equal(big.status, 413)
  const empty = await upload(ana.token, 'empty.txt', '')
  t.equal(empty.status, 400)
  const notMultipart = await fetch(`${h.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(notMultipart.status, 400)
  const brunos = await upload(bruno.token, 'mine.txt', 'private')
  const stolen = await ana.query('mutation($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "x", attachmentIds: $a) { id } }', { c: conversationId, a: [brunos.body.id] })
  t.same(stolen.errors?.[0].extensions?.fields, [{ path: '/attachmentIds/0', message: 'not an upload of yours' }])
  const tooMany = await ana.query('mutation($c: ID!, $a: [ID!]) { sendMessage(conversationId: $c, body: "x", attachmentIds: $a) { id } }', { c: conversationId, a: Array.from({ length: 11 }, () => brunos.body.id) })
  t.equal(tooMany.errors?.[0].extensions?.code, 'OL_VALIDATION')
  t.equal((await fetch(`${h.url}/files/not-a-token`)).status, 404)
})

t.test('an agent who cannot see the conversation gets no links', async (t) => {
  const res = await bruno.query('query($c: ID!) { messages(conversationId: $c) { nodes { attachments } } }', { c: conversationId })
  t.equal(res.errors?.[0].extensions?.code, 'OL_NOT_FOUND')
})
