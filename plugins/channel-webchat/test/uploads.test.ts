// Visitor uploads: size and type limits, ownership, signed links only in the owner's transcript,
// and files sent by agents reaching the visitor.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { AgentClient, TestApp } from '@openline/testing'
import { EVENTS, HISTORY, SEND, codeOf, conversationOf, createWidget, say, shopOrigin, startApp, startVisitor, type VisitorClient, type Widget } from './helpers.ts'

let h: TestApp
let admin: AgentClient
let widget: Widget

t.before(async () => {
  ({ h, admin } = await startApp({ webchat: { maxUploadBytes: 4096 } }))
  widget = await createWidget(admin, 'Files shop')
})
t.teardown(async () => { await h?.close() })

async function upload (token: string | null, name: string, content: string | Buffer, options: { origin?: string, type?: string } = {}): Promise<{ status: number, body: any, headers: Headers }> {
  const form = new FormData()
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type: options.type ?? 'text/plain' }), name)
  const res = await fetch(`${h.url}/plugins/channel-webchat/upload`, {
    method: 'POST',
    headers: { origin: options.origin ?? shopOrigin, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: form
  })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

async function transcript (visitor: VisitorClient): Promise<any[]> {
  return (await visitor.query(HISTORY, { last: 50 })).data.visitorMessages.nodes
}

t.test('a visitor uploads a file and sends it; only they get its link', async (t) => {
  const ana = await startVisitor(h.url, widget)
  const bob = await startVisitor(h.url, widget)
  t.teardown(async () => { await ana.close(); await bob.close() })
  const uploaded = await upload(ana.token, '../../etc/notes.txt', 'order 1234, see photo')
  t.equal(uploaded.status, 201)
  t.match(uploaded.body, { id: /^\d+$/, name: 'notes.txt', mimeType: 'text/plain', size: 21 })
  t.equal(uploaded.headers.get('access-control-allow-origin'), shopOrigin, 'answered cross-origin (CORS)')

  t.equal(codeOf(await bob.query(SEND, { text: 'mine now', id: randomUUID(), files: [uploaded.body.id] })), 'OL_VALIDATION', 'another visitor\'s upload id is refused')
  t.equal(codeOf(await ana.query(SEND, { text: '', id: randomUUID(), files: ['99999999'] })), 'OL_VALIDATION', 'an unknown upload id')
  const sent = await ana.query(SEND, { text: 'Here it is', id: randomUUID(), files: [uploaded.body.id] })
  t.notOk(sent.errors)
  const file = sent.data.sendVisitorMessage.attachments[0]
  t.match(file, { kind: 'file', name: 'notes.txt', mimeType: 'text/plain', size: 21, url: new RegExp(`^${h.url}/files/`) })
  const download = await fetch(file.url)
  t.equal(download.status, 200)
  t.equal(await download.text(), 'order 1234, see photo')
  t.equal(download.headers.get('x-content-type-options'), 'nosniff')

  // The agent sees the file as part of the client's message.
  const [conversationId] = await conversationOf(admin, widget)
  const agentView = await admin.query('query($id: ID!) { messages(conversationId: $id) { nodes { body attachments } } }', { id: conversationId })
  t.match(agentView.data.messages.nodes[0], { body: 'Here it is', attachments: [{ name: 'notes.txt', mimeType: 'text/plain' }] })

  // Links are signed and expire: a storage key or a changed token reads nothing.
  const token = new URL(file.url).pathname.split('/').pop()!
  const [payload, signature] = token.split('.')
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), n: 'other.txt' })).toString('base64url')
  t.equal((await fetch(`${h.url}/files/${forged}.${signature}`)).status, 404, 'a changed link')
  const key = JSON.parse(Buffer.from(payload, 'base64url').toString()).k as string
  t.equal((await fetch(`${h.url}/files/${encodeURIComponent(key)}`)).status, 404, 'the storage key itself')
  t.notOk(JSON.stringify(await transcript(bob)).includes('/files/'), 'Bob\'s transcript holds no link of Ana\'s')
  t.notOk(JSON.stringify(sent).includes(key), 'the storage key never leaves the server')
})

t.test('limits: size (413), programs (415), token, site', async (t) => {
  const visitor = await startVisitor(h.url, widget)
  t.teardown(() => visitor.close())
  const big = await upload(visitor.token, 'big.txt', Buffer.alloc(5000, 'a'))
  t.equal(big.status, 413)
  t.equal(big.body.error, 'OL_VALIDATION')
  const exe = await upload(visitor.token, 'setup.EXE', 'MZ', { type: 'application/octet-stream' })
  t.equal(exe.status, 415)
  t.same(exe.body.fields, [{ path: '/file', message: '.exe files are not accepted' }])
  t.equal((await upload(visitor.token, 'run.sh', '#!/bin/sh')).status, 415)
  t.equal((await upload(null, 'a.txt', 'x')).status, 401)
  t.equal((await upload('made-up-token', 'a.txt', 'x')).status, 401)
  t.equal((await upload(visitor.token, 'a.txt', 'x', { origin: 'https://evil.example' })).status, 403)
  t.equal((await upload(visitor.token, 'empty.txt', '')).status, 400)
  const rows = await (h.core.orm.em.fork() as any).execute('select count(*)::int as n from channel_webchat_uploads where visitor_id = ?', [visitor.visitorId]) as { n: number }[]
  t.equal(rows[0].n, 0, 'nothing refused was recorded')

  const preflight = await fetch(`${h.url}/plugins/channel-webchat/upload`, { method: 'OPTIONS', headers: { origin: shopOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } })
  t.equal(preflight.status, 204)
  t.match(preflight.headers.get('access-control-allow-headers'), /authorization/i)
})

t.test('files sent by an agent reach the visitor as signed links', async (t) => {
  const visitor = await startVisitor(h.url, widget)
  t.teardown(() => visitor.close())
  await say(visitor, 'Send me the invoice')
  const conversationId = (await conversationOf(admin, widget))[0]
  const events = await visitor.subscribe(EVENTS)
  const form = new FormData()
  form.append('file', new Blob(['%PDF-1.4 invoice'], { type: 'application/pdf' }), 'invoice.pdf')
  const up = await fetch(`${h.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` }, body: form })
  t.equal(up.status, 201)
  const { id } = await up.json() as { id: string }
  const sent = await admin.query('mutation($c: ID!, $f: [ID!]) { sendMessage(conversationId: $c, body: "Your invoice", attachmentIds: $f) { id } }', { c: conversationId, f: [id] })
  t.notOk(sent.errors)
  const message = (await events.next()).data.visitorEvents.message
  t.match(message, { text: 'Your invoice', attachments: [{ name: 'invoice.pdf', mimeType: 'application/pdf', url: new RegExp(`^${h.url}/files/`) }] })
  const download = await fetch(message.attachments[0].url)
  t.equal(await download.text(), '%PDF-1.4 invoice')
  t.match(download.headers.get('content-disposition'), /^attachment/, 'an active type is never shown inline')
})
