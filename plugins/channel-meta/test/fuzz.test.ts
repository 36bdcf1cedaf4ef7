// 10 000 random and mutated webhooks, most signed validly so they reach the parser and mapper:
// no crash, no 5xx, and the app still takes a valid message afterwards.
import t from 'tap'
import type { TestApp } from '@openline/testing'
import { startFakeMeta, messageEvent, webhookBody, nextMid, sign, type FakeMeta } from './fakeApi.ts'
import { buildTestApp, plugins, connectMeta, sql, pluginName } from './helpers.ts'

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

// A seeded generator: a failure names its seed and can be replayed.
const seed = Number(process.env.FUZZ_SEED ?? 20261123)
let state = seed >>> 0
function rand (): number {
  state = (state + 0x6D2B79F5) >>> 0
  let x = state
  x = Math.imul(x ^ (x >>> 15), x | 1)
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296
}
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(list: T[]): T => list[int(list.length)]

function randomString (): string {
  const pools = ['abc', 'Olá ação ✓', 'привет', '😀🎉', '\u0000\u0001\u001f', '\ud800', '\udfff', '"\\/', '\u202e\u200b', 'https://scontent.fbcdn.net/x', 'http://127.0.0.1/x', 'http://169.254.169.254/', 'm_abc']
  let s = ''
  const parts = int(6)
  for (let i = 0; i < parts; i++) s += rand() < 0.5 ? pick(pools) : String.fromCharCode(int(0x10000))
  return rand() < 0.02 ? s.repeat(3000) : s
}

function randomValue (depth = 0): unknown {
  switch (int(depth > 3 ? 8 : 11)) {
    case 0: return null
    case 1: return rand() < 0.5
    case 2: return int(1e6)
    case 3: return pick([1e308, -1e308, 2 ** 64, -1, 0, 0.5, Number.MAX_SAFE_INTEGER + 2, 1e-300])
    case 4: return randomString()
    case 5: return ''
    case 6: return String(int(1e9))
    case 7: return pick(['page', 'instagram', 'image', 'video', 'audio', 'file', 'fallback', 'template', 'location', 'message', 'postback', 'delivery', 'read'])
    case 8: return Array.from({ length: int(4) }, () => randomValue(depth + 1))
    case 9: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['id', 'mid', 'text', 'type', 'payload', 'url', 'mids', 'watermark', 'x']), randomValue(depth + 1)]))
    default: { let v: unknown = 'deep'; for (let i = 0; i < 50; i++) v = [v]; return v }
  }
}

function templates (): Record<string, unknown>[] {
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

function containers (value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof value === 'object' && value !== null) {
    if (!Array.isArray(value)) out.push(value as Record<string, unknown>)
    for (const v of Object.values(value)) containers(v, out)
  }
  return out
}

function mutate (body: Record<string, unknown>): string {
  const copy = structuredClone(body)
  const rounds = 1 + int(3)
  for (let i = 0; i < rounds; i++) {
    const target = pick(containers(copy))
    const keys = Object.keys(target)
    const key = keys.length > 0 ? pick(keys) : 'x'
    switch (int(6)) {
      case 0: delete target[key]; break
      case 1: target[key] = randomValue(); break
      case 2: target[pick(['extra', 'message', 'messaging', 'entry', 'attachments', '__proto__', 'constructor'])] = randomValue(); break
      case 3: target[key] = randomString(); break
      case 4: target[key] = Array.isArray(target[key]) ? [...(target[key] as unknown[]), ...(target[key] as unknown[])] : [target[key], target[key]]; break
      default: target[key] = randomValue(2)
    }
  }
  let raw = JSON.stringify(copy)
  switch (int(8)) {
    case 0: raw = raw.slice(0, int(raw.length)); break
    case 1: raw = raw.replace(/"timestamp":\d+/, `"timestamp":${pick(['1e400', '-1', '"yesterday"', '99999999999999999999', '1.5'])}`); break
    case 2: raw = raw.replace(/"mid":"[^"]*"/, `"mid":${pick(['99999999999999999999999999999', '-0', '1e400', 'null', '[]', '{}', '""'])}`); break
    default: break
  }
  return raw
}

function payload (): { raw: string | Buffer, signed: boolean } {
  const roll = rand()
  if (roll < 0.03) return { raw: Buffer.from(Array.from({ length: int(200) }, () => int(256))), signed: true }
  if (roll < 0.06) return { raw: JSON.stringify(randomValue()), signed: true }
  if (roll < 0.12) return { raw: mutate(pick(templates())), signed: false }
  return { raw: mutate(pick(templates())), signed: true }
}

t.test('10 000 random and mutated webhooks: no crash, no 5xx', async (t) => {
  const total = 10_000
  const statuses = new Map<number, number>()
  let crashes = 0
  const failures: string[] = []
  const url = `/plugins/${pluginName}/webhook/${connectionId}`
  for (let done = 0; done < total;) {
    const batch = Array.from({ length: Math.min(50, total - done) }, () => payload())
    done += batch.length
    await Promise.all(batch.map(async ({ raw, signed }) => {
      try {
        const res = await h.app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(signed ? fake.appSecret : 'not-the-secret', raw) } })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode >= 500 && failures.length < 5) failures.push(`${res.statusCode} ${res.body.slice(0, 200)} for ${String(raw).slice(0, 300)}`)
      } catch (err) {
        crashes++
        if (failures.length < 5) failures.push(`crash ${(err as Error).message}`)
      }
    }))
  }
  const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)
  t.comment(`seed ${seed}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.equal(crashes, 0, 'no crashes')
  t.equal(fiveHundreds, 0, `no 5xx${failures.length > 0 ? `: ${failures.join(' | ')}` : ''}`)
  t.ok((statuses.get(200) ?? 0) > 1000, 'many payloads reached the mapper and were answered 200')
  t.ok((statuses.get(401) ?? 0) > 100, 'unsigned ones were refused')

  const raw = JSON.stringify(webhookBody('page', fake.pageId, [messageEvent({ pageId: fake.pageId, userId: 'after-fuzz', text: 'still alive' })]))
  const res = await h.app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(fake.appSecret, raw) } })
  t.equal(res.statusCode, 200)
  t.equal((await sql(h, "select count(*)::int as n from messages where body = 'still alive'"))[0].n, 1)
})
