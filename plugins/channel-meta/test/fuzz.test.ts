// 10 000 random and mutated Messenger / Instagram webhooks, most signed validly so they reach the
// parser and mapper: no crash, no 5xx, and the app still takes a valid message afterwards.
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, messageEvent, webhookBody, nextMid, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectMeta, pluginName } from './helpers.ts'
import { runFuzz, seeded, type FuzzSpec } from './fuzzHarness.ts'

// 10 000 requests take a minute or more on a busy 2-core machine: more room than the suite's 120 s.
t.setTimeout(300_000)

let h: TestApp
let fake: FakeMeta
let connectionId: string

t.before(async () => {
  fake = await startFakeMeta()
  h = await buildTestApp({ plugins })
  ;({ connectionId } = await connectMeta(h, fake, 'messenger', { verifyToken: 'fuzz-verify-token', mediaHosts: [] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const random = seeded()

const spec: FuzzSpec = {
  words: ['page', 'instagram', 'image', 'video', 'audio', 'file', 'fallback', 'template', 'location', 'message', 'postback', 'delivery', 'read'],
  keys: ['id', 'mid', 'text', 'type', 'payload', 'url', 'mids', 'watermark', 'x', 'extra', 'message', 'messaging', 'entry', 'attachments'],
  rawTweaks: [
    [/"timestamp":\d+/, ['1e400', '-1', '"yesterday"', '99999999999999999999', '1.5']],
    [/"mid":"[^"]*"/, ['99999999999999999999999999999', '-0', '1e400', 'null', '[]', '{}', '""']]
  ],
  templates () {
    const { pick, int } = random
    const pageId = fake.pageId
    const userId = pick(['fuzz-a', 'fuzz-b', `fuzz-${int(50)}`])
    const now = Date.now() - int(1e9)
    const base = { sender: { id: userId }, recipient: { id: pageId }, timestamp: now }
    return [
      webhookBody('page', pageId, [messageEvent({ pageId, userId, timestamp: now, text: 'hello' })]),
      webhookBody('page', pageId, [messageEvent({ pageId, userId, timestamp: now, attachments: [{ type: 'image', payload: { url: `${fake.origin}/media/a.png` } }, { type: 'video', payload: { url: 'https://scontent.xx.fbcdn.net/a.mp4' } }] })]),
      webhookBody('page', pageId, [messageEvent({ pageId, userId, timestamp: now, text: 'x', attachments: [{ type: 'file', payload: { url: 'http://10.0.0.1/f.pdf' } }, { type: 'fallback', payload: { url: 'https://example.com' } }] })]),
      webhookBody('page', pageId, [messageEvent({ pageId, userId, timestamp: now, text: 'echo', extra: { is_echo: true } })]),
      webhookBody('page', pageId, [messageEvent({ pageId, userId, timestamp: now, text: 'qr', extra: { quick_reply: { payload: 'P' }, reply_to: { mid: nextMid() } } })]),
      webhookBody('page', pageId, [{ ...base, postback: { mid: nextMid(), title: 'Start', payload: 'GET_STARTED' } }]),
      webhookBody('page', pageId, [{ ...base, delivery: { mids: [nextMid()], watermark: now } }]),
      webhookBody('page', pageId, [{ ...base, read: { watermark: now } }]),
      webhookBody('page', pageId, [{ ...base, reaction: { mid: nextMid(), action: 'react', emoji: '❤' } }]),
      webhookBody('instagram', pageId, [messageEvent({ pageId, userId, timestamp: now, text: 'ig' })]),
      { object: 'page', entry: [{ id: pageId, time: now, changes: [{ field: 'feed', value: { item: 'comment' } }] }] }
    ]
  }
}

t.test('10 000 random and mutated Messenger webhooks: no crash, no 5xx', async (t) => {
  await runFuzz(t, {
    h, random, spec,
    url: `/plugins/${pluginName}/webhook/${connectionId}`,
    appSecret: fake.appSecret,
    alive: { body: webhookBody('page', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'after-fuzz', text: 'still alive' })]), text: 'still alive' }
  })
})
