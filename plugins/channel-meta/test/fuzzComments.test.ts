// 10 000 random and mutated page `feed` webhooks (comments added, edited, removed, by the page, with
// photos; other feed items), most signed validly: no crash, no 5xx, and the app still takes a valid
// comment afterwards.
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, feedBody, commentValue, type FakeMeta } from './fakeApi.ts'
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
  ;({ connectionId } = await connectMeta(h, fake, 'facebook-comments', { verifyToken: 'fuzz-verify-token', mediaHosts: [] }))
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

const random = seeded(2)

const spec: FuzzSpec = {
  words: ['page', 'feed', 'comment', 'add', 'edited', 'remove', 'hide', 'reaction', 'status', 'photo', 'video', 'share'],
  keys: ['from', 'id', 'name', 'post', 'post_id', 'comment_id', 'parent_id', 'message', 'item', 'verb', 'created_time', 'photo', 'video', 'field', 'value', 'changes', 'x'],
  rawTweaks: [
    [/"created_time":\d+/, ['1e400', '-1', '"yesterday"', '99999999999999999999', '1.5', 'null']],
    [/"comment_id":"[^"]*"/, ['99999999999999999999999999999', '-0', 'null', '[]', '{}', '""']],
    [/"post_id":"[^"]*"/, ['null', '""', '7', '{"id":1}']]
  ],
  templates () {
    const { pick, int } = random
    const postId = `${fake.pageId}_${int(20)}`
    const from = { id: pick(['8001', '8002', `80${int(100)}`, fake.pageId]), name: pick(['Ana', 'Бор', '😀']) }
    const createdTime = Math.floor(Date.now() / 1000) - int(1e6)
    return [
      feedBody(fake.pageId, [commentValue({ postId, from, message: 'a comment', createdTime })]),
      feedBody(fake.pageId, [commentValue({ postId, from, message: 'nested', createdTime, parentId: `${int(20)}_${int(1000)}` })]),
      feedBody(fake.pageId, [commentValue({ postId, from, createdTime, extra: { photo: pick([`${fake.origin}/media/p.png`, 'https://scontent.xx.fbcdn.net/p.png', 'http://169.254.169.254/x']) } })]),
      feedBody(fake.pageId, [commentValue({ postId, from, message: 'changed', createdTime, verb: pick(['edited', 'remove', 'hide']) })]),
      feedBody(fake.pageId, [{ item: 'reaction', verb: 'add', post_id: postId, reaction_type: 'like', from }, { item: 'status', verb: 'add', post_id: postId, message: 'page post' }]),
      { object: 'page', entry: [{ id: fake.pageId, time: createdTime, changes: [{ field: pick(['mention', 'ratings', 'feed']), value: {} }] }] }
    ]
  }
}

t.test('10 000 random and mutated page comment webhooks: no crash, no 5xx', async (t) => {
  await runFuzz(t, {
    h, random, spec,
    url: `/plugins/${pluginName}/webhook/${connectionId}`,
    appSecret: fake.appSecret,
    alive: { body: feedBody(fake.pageId, [commentValue({ postId: `${fake.pageId}_1`, from: { id: '8999' }, message: 'comments still alive' })]), text: 'comments still alive' }
  })
})
