// Attachments come only through the Bot API: getFile, then `<apiBaseUrl>/file/bot<token>/<file_path>`.
// Paths that would leave that endpoint and redirects elsewhere are refused; a file that cannot be
// fetched leaves its message stored with the Telegram file id (never a lost message).
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildTestApp, type TestApp } from '@openline/testing'
import { telegramPlugin, fileUrl } from '../src/index.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, sql } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram
let connectionId: string

t.before(async () => {
  fake = await startFakeTelegram()
  h = await buildTestApp({ plugins: [telegramPlugin] })
  ;({ connectionId } = await connectBot(h, fake))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const attachmentsOf = async (messageId: string): Promise<any[]> => (await sql(h, 'select attachments from messages where id = ?', [messageId]))[0].attachments
const stored = (key: string): Promise<Buffer> => readFile(join(h.config.files.directory, key))

t.test('a photo: the largest size is fetched and stored, with a caption as text', async (t) => {
  const small = fake.addFile({ fileId: 'photo-s', bytes: Buffer.alloc(100, 1), filePath: 'photos/file_s.jpg' })
  const large = fake.addFile({ fileId: 'photo-l', bytes: Buffer.alloc(5000, 2), filePath: 'photos/file_l.jpg' })
  const update = messageUpdate(9001, {
    caption: 'my receipt',
    photo: [
      { file_id: small.fileId, file_unique_id: 'AQADs', width: 90, height: 60, file_size: 100 },
      { file_id: large.fileId, file_unique_id: 'AQADl', width: 1280, height: 853, file_size: 5000 }
    ]
  })
  const res = await deliver(h, fake, connectionId, update)
  t.equal(res.status, 200, JSON.stringify(res.body))
  const [attachment] = await attachmentsOf(res.body.messageId)
  t.match(attachment, { kind: 'image', mimeType: 'image/jpeg', providerFileId: 'photo-l', size: 5000, name: 'photo-AQADl.jpg' })
  t.same(await stored(attachment.storageKey), large.bytes, 'the stored bytes are the large photo')
  t.equal((await sql(h, 'select body from messages where id = ?', [res.body.messageId]))[0].body, 'my receipt')
  t.ok(fake.paths().includes(`/file/bot${fake.token}/photos/file_l.jpg`), 'downloaded from the Bot API file endpoint')
  t.notOk(fake.paths().includes(`/file/bot${fake.token}/photos/file_s.jpg`), 'the small size is not downloaded')

  // Telegram redelivers: the message is a duplicate and its file is not downloaded again.
  const downloads = fake.paths().filter(p => p.startsWith('/file/')).length
  const again = await deliver(h, fake, connectionId, update)
  t.equal(again.body.duplicate, true)
  t.equal(again.body.messageId, res.body.messageId)
  t.equal(fake.paths().filter(p => p.startsWith('/file/')).length, downloads)
})

t.test('a document keeps its name and type', async (t) => {
  const doc = fake.addFile({ fileId: 'doc-1', bytes: Buffer.from('%PDF-1.4 fake'), filePath: 'documents/file_7.pdf' })
  const res = await deliver(h, fake, connectionId, messageUpdate(9001, { document: { file_id: 'doc-1', file_unique_id: 'AgADd1', file_name: 'Faktura č. 7.pdf', mime_type: 'application/pdf', file_size: doc.bytes.length } }))
  const [attachment] = await attachmentsOf(res.body.messageId)
  t.match(attachment, { kind: 'file', name: 'Faktura č. 7.pdf', mimeType: 'application/pdf', providerFileId: 'doc-1' })
  t.same(await stored(attachment.storageKey), doc.bytes)
})

t.test('SSRF: a file_path leaving the file endpoint, or a redirect to another host, is refused; the message is stored', async (t) => {
  for (const [fileId, filePath] of [
    ['evil-traversal', '../../bot123/deleteWebhook'],
    ['evil-encoded', 'photos/%2e%2e/%2e%2e/x'],
    ['evil-absolute', 'http://169.254.169.254/latest/meta-data'],
    ['evil-host', '@127.0.0.2/x'],
    ['evil-backslash', 'photos\\..\\..\\x']
  ]) {
    fake.addFile({ fileId, bytes: Buffer.from('secret'), filePath })
    const res = await deliver(h, fake, connectionId, messageUpdate(9002, { caption: `trick ${fileId}`, document: { file_id: fileId, file_unique_id: fileId, file_name: 'x.bin' } }))
    t.equal(res.status, 200, fileId)
    const [attachment] = await attachmentsOf(res.body.messageId)
    t.equal(attachment.storageKey, undefined, `${fileId}: nothing fetched`)
    t.equal(attachment.providerFileId, fileId, `${fileId}: kept as a reference`)
  }
  t.notOk(fake.paths().some(p => p.includes('deleteWebhook') || p.includes('meta-data') || p.endsWith('/x')), JSON.stringify(fake.paths().filter(p => !p.includes('/getFile'))))

  // The Bot API host answering a download with a redirect to the metadata service: not followed.
  fake.addFile({ fileId: 'redirecting', bytes: Buffer.from('x'), filePath: 'documents/redirect.bin', redirectTo: 'http://169.254.169.254/latest/meta-data/iam' })
  const res = await deliver(h, fake, connectionId, messageUpdate(9002, { caption: 'redirected', document: { file_id: 'redirecting', file_unique_id: 'r', file_name: 'r.bin' } }))
  t.equal(res.status, 200)
  const [attachment] = await attachmentsOf(res.body.messageId)
  t.equal(attachment.storageKey, undefined)
  t.equal(attachment.providerFileId, 'redirecting')
})

t.test('fileUrl only builds URLs under <base>/file/bot<token>/', async (t) => {
  const target = { base: 'https://api.telegram.org', token: '1:abc' }
  t.equal(fileUrl(target, 'photos/file_0.jpg'), 'https://api.telegram.org/file/bot1:abc/photos/file_0.jpg')
  for (const bad of ['', '/etc/passwd', '../x', 'a/../../b', 'a/./b', '%2e%2e/x', 'https://evil.example/x', 'a?b', 'a#b', 'a b', 42, null]) {
    t.equal(fileUrl(target, bad), null, JSON.stringify(bad))
  }
})

t.test('a file the API will not give, or one over the size limit: the message is stored with the file id', async (t) => {
  const unknown = await deliver(h, fake, connectionId, messageUpdate(9003, { document: { file_id: 'no-such-file', file_unique_id: 'n', file_name: 'gone.txt', file_size: 10 } }))
  t.equal(unknown.status, 200)
  t.match(await attachmentsOf(unknown.body.messageId), [{ kind: 'file', name: 'gone.txt', providerFileId: 'no-such-file', size: 10 }])
  t.equal((await attachmentsOf(unknown.body.messageId))[0].storageKey, undefined)

  const getFileCalls = fake.calls('getFile').length
  const huge = await deliver(h, fake, connectionId, messageUpdate(9003, { video: { file_id: 'huge-video', file_unique_id: 'h', duration: 600, width: 1920, height: 1080, file_size: 900 * 1024 * 1024 } }))
  t.equal(huge.status, 200)
  t.match(await attachmentsOf(huge.body.messageId), [{ kind: 'video', providerFileId: 'huge-video', size: 900 * 1024 * 1024 }])
  t.equal(fake.calls('getFile').length, getFileCalls, 'not even asked for')
})
