// 10 000 random and mutated WhatsApp Cloud API webhooks (messages of every type, statuses, media
// lookups, other change fields), most signed validly: no crash, no 5xx, and the app still takes a
// valid message afterwards.
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, whatsappBody, whatsappMessage, whatsappStatus, nextWamid, pngBytes, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectWhatsApp, pluginName } from './helpers.ts'
import { runFuzz, seeded, type FuzzSpec } from './fuzzHarness.ts'

// 10 000 requests take a minute or more on a busy 2-core machine: more room than the suite's 120 s.
t.setTimeout(300_000)

let h: TestApp
let fake: FakeMeta
let connectionId: string
let mediaId: string

t.before(async () => {
  fake = await startFakeMeta()
  mediaId = fake.addMedia({ bytes: pngBytes, mimeType: 'image/png' })
  h = await buildTestApp({ plugins })
  ;({ connectionId } = await connectWhatsApp(h, fake, { verifyToken: 'fuzz-verify-token' }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const random = seeded(1)

const spec: FuzzSpec = {
  words: ['whatsapp_business_account', 'whatsapp', 'messages', 'text', 'image', 'document', 'audio', 'video', 'sticker', 'location', 'contacts', 'interactive', 'button', 'button_reply', 'list_reply', 'reaction', 'unsupported', 'sent', 'delivered', 'read', 'failed', 'statuses'],
  keys: ['id', 'from', 'type', 'text', 'body', 'timestamp', 'wa_id', 'profile', 'name', 'metadata', 'phone_number_id', 'messages', 'statuses', 'contacts', 'context', 'errors', 'caption', 'mime_type', 'latitude', 'longitude', 'button_reply', 'list_reply', 'x'],
  rawTweaks: [
    [/"timestamp":"\d+"/, ['1e400', '-1', '"yesterday"', '"99999999999999999999"', '1.5', 'null']],
    [/"id":"wamid\.[^"]*"/, ['99999999999999999999999999999', '-0', 'null', '[]', '{}', '""']],
    [/"phone_number_id":"\d+"/, ['null', '"1"', '{}', '12']],
    [/"from":"\d+"/, ['null', '""', '"+1 (555) 010"', '1e30']]
  ],
  templates () {
    const { pick, int } = random
    const from = pick(['5511900000001', '5511900000002', `55119${String(int(1e6)).padStart(8, '0')}`])
    const at = Date.now() - int(1e9)
    const message = (type: string, content: Record<string, unknown>, extra?: Record<string, unknown>) => whatsappBody(fake, whatsappMessage({ from, type, content, timestamp: at, extra }))
    return [
      whatsappBody(fake, whatsappMessage({ from, text: 'hello', timestamp: at })),
      message('image', { id: mediaId, mime_type: 'image/png', caption: 'photo' }),
      message('document', { id: pick([mediaId, '999', '../x']), mime_type: 'application/pdf', filename: 'a.pdf' }),
      message('audio', { id: mediaId, mime_type: 'audio/ogg', voice: true }),
      message('sticker', { id: mediaId, mime_type: 'image/webp' }),
      message('location', { latitude: 1.5, longitude: -2.25, name: 'Here', address: 'Street 1' }),
      message('interactive', { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes' } }, { context: { from: '1', id: nextWamid() } }),
      message('interactive', { type: 'list_reply', list_reply: { id: 'l1', title: 'Sales', description: 'd' } }),
      message('button', { text: 'Call me', payload: 'CALL' }),
      message('reaction', { message_id: nextWamid(), emoji: '👍' }),
      whatsappBody(fake, { statuses: [whatsappStatus({ id: nextWamid(), status: pick(['sent', 'delivered', 'read', 'failed']), recipient: from, errors: [{ code: 131047, title: 'Re-engagement message' }] })] }),
      { object: 'whatsapp_business_account', entry: [{ id: fake.wabaId, changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }] }
    ]
  }
}

t.test('10 000 random and mutated WhatsApp webhooks: no crash, no 5xx', async (t) => {
  await runFuzz(t, {
    h, random, spec,
    url: `/plugins/${pluginName}/webhook/${connectionId}`,
    appSecret: fake.appSecret,
    alive: { body: whatsappBody(fake, whatsappMessage({ from: '5511977776666', text: 'whatsapp still alive' })), text: 'whatsapp still alive' }
  })
})
