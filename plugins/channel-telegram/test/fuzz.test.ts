// 10 000 random and mutated updates, most with the right secret token so they reach the parser,
// some without: no 5xx, no crash, unsigned ones store nothing, and the app still takes a message.
import t from 'tap'
import { buildTestApp, type TestApp } from '@openline/testing'
import { telegramPlugin } from '../src/index.ts'
import { startFakeTelegram, type FakeTelegram } from './fakeApi.ts'
import { connectBot, deliver, messageUpdate, sql, user, webhookPath } from './helpers.ts'

let h: TestApp
let fake: FakeTelegram
let connectionId: string

t.before(async () => {
  fake = await startFakeTelegram()
  h = await buildTestApp({ plugins: [telegramPlugin] })
  ;({ connectionId } = await connectBot(h, fake))
  fake.addFile({ fileId: 'fuzz-photo', bytes: Buffer.alloc(64, 9), filePath: 'photos/fuzz.jpg' })
})
t.teardown(async () => {
  await h?.close()
  await fake?.close()
})

// A small seeded PRNG (mulberry32): a failure can be replayed with FUZZ_SEED.
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
let state = seed
function random (): number {
  state |= 0; state = state + 0x6d2b79f5 | 0
  let x = Math.imul(state ^ state >>> 15, 1 | state)
  x = x + Math.imul(x ^ x >>> 7, 61 | x) ^ x
  return ((x ^ x >>> 14) >>> 0) / 4294967296
}
const int = (n: number): number => Math.floor(random() * n)
const pick = <T>(list: readonly T[]): T => list[int(list.length)]

const nasty = ['', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '😀', '\uffff', 'a'.repeat(5000), '"', '\\', '</script>', '%00', '../../etc/passwd', 'http://169.254.169.254/', '\n\r\t', 'ﷺ', '𝕏', 'null', '{}']
function randomString (): string {
  if (random() < 0.3) return pick(nasty)
  const length = int(40)
  let s = ''
  for (let i = 0; i < length; i++) s += String.fromCharCode(random() < 0.7 ? 32 + int(95) : int(0x10000))
  return s
}
const hugeNumbers = [1e308, -1e308, 2 ** 63, -(2 ** 63), 2 ** 53 + 1, 1e-300, -1, 0, 0.5, 4294967296, 9007199254740991, -9007199254740991]
function randomValue (depth = 0): unknown {
  switch (int(depth > 3 ? 6 : 8)) {
    case 0: return randomString()
    case 1: return pick(hugeNumbers)
    case 2: return int(1_000_000)
    case 3: return null
    case 4: return random() < 0.5
    case 5: return []
    case 6: return Array.from({ length: int(4) }, () => randomValue(depth + 1))
    default: return Object.fromEntries(Array.from({ length: int(4) }, () => [randomString().slice(0, 10), randomValue(depth + 1)]))
  }
}

function valid (): Record<string, unknown> {
  const from = 10_000 + int(50)
  const date = Math.floor(Date.now() / 1000) - int(1000)
  switch (int(9)) {
    case 0: return messageUpdate(from, { text: randomString() || 'x' }, { date })
    case 1: return messageUpdate(from, { caption: 'pic', photo: [{ file_id: 'fuzz-photo', file_unique_id: 'f', width: 10, height: 10, file_size: 64 }] }, { date })
    case 2: return messageUpdate(from, { document: { file_id: `doc-${int(100)}`, file_unique_id: 'd', file_name: randomString(), mime_type: 'application/pdf', file_size: int(10_000) } }, { date })
    case 3: return messageUpdate(from, { voice: { file_id: 'v', file_unique_id: 'v', duration: 2, mime_type: 'audio/ogg' } }, { date })
    case 4: return messageUpdate(from, { sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '🙂' } }, { date })
    case 5: {
      const u = messageUpdate(from, { text: 'edited', edit_date: date + 5 }, { date })
      return { update_id: u.update_id, edited_message: u.message }
    }
    case 6: return { update_id: int(1e9), callback_query: { id: `${int(1e12)}`, from: user(from), chat_instance: '1', data: randomString().slice(0, 64), message: { message_id: 500_001, chat: { id: from, type: 'private' }, date, text: 'rate', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } } } }
    case 7: return messageUpdate(from, { location: { latitude: random() * 180 - 90, longitude: random() * 360 - 180 } }, { date })
    default: return { update_id: int(1e9), [pick(['my_chat_member', 'channel_post', 'poll', 'chat_join_request', 'message_reaction', 'inline_query'])]: randomValue() }
  }
}

/** Walk to a random nested object/array and change something there. */
function mutate (value: unknown): unknown {
  const root = structuredClone(value) as Record<string, unknown>
  const times = 1 + int(3)
  for (let n = 0; n < times; n++) {
    let node: any = root
    for (let d = 0; d < 4 && node !== null && typeof node === 'object'; d++) {
      const keys = Object.keys(node)
      if (keys.length === 0 || random() < 0.3) break
      const key = pick(keys)
      if (node[key] === null || typeof node[key] !== 'object') {
        switch (int(4)) {
          case 0: delete node[key]; break
          case 1: node[key] = randomValue(); break
          case 2: node[key] = pick(hugeNumbers); break
          default: node[key] = randomString()
        }
        node = null
        break
      }
      node = node[key]
    }
    if (node !== null && typeof node === 'object') {
      if (Array.isArray(node)) node.push(randomValue())
      else node[pick(['text', 'caption', 'message_id', 'from', 'chat', 'date', 'photo', 'document', 'id', 'data', 'file_id', '__proto__', 'constructor'])] = randomValue()
    }
  }
  return root
}

function payload (i: number): { raw: string, signed: boolean, marker: string } {
  const marker = `UNSIGNED-${seed}-${i}`
  const signed = random() >= 0.1
  const kind = int(10)
  let raw: string
  if (!signed) raw = JSON.stringify(messageUpdate(10_000 + int(50), { text: marker }))
  else if (kind === 0) raw = JSON.stringify(randomValue())
  else if (kind === 1) {
    const text = JSON.stringify(mutate(valid()))
    raw = text.slice(0, int(text.length)) // truncated
  } else if (kind === 2) {
    // A duplicated key: JSON.parse keeps the last one.
    const text = JSON.stringify(valid())
    raw = text.replace('"update_id":', `"update_id":${JSON.stringify(randomValue())},"update_id":`)
  } else if (kind === 3) raw = '['.repeat(1 + int(5000)) + ']'.repeat(int(5000))
  else if (kind === 4) raw = JSON.stringify(valid())
  else raw = JSON.stringify(mutate(valid()))
  return { raw, signed, marker }
}

t.test(`fuzz: 10 000 payloads (seed ${seed})`, async (t) => {
  const statuses = new Map<number, number>()
  const failures: string[] = []
  let next = 0
  const total = 10_000
  const secret = String(fake.webhook()?.secret_token)
  const markers: string[] = []
  async function worker (): Promise<void> {
    while (next < total) {
      const i = next++
      const p = payload(i)
      if (!p.signed) markers.push(p.marker)
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (p.signed) headers['x-telegram-bot-api-secret-token'] = secret
      else if (random() < 0.5) headers['x-telegram-bot-api-secret-token'] = secret.slice(1)
      try {
        const res = await h.app.inject({ method: 'POST', url: webhookPath(connectionId), headers, payload: p.raw })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode >= 500 && failures.length < 5) failures.push(`${res.statusCode} ${res.body.slice(0, 300)} ← ${p.raw.slice(0, 300)}`)
        if (!p.signed && res.statusCode !== 401 && failures.length < 5) failures.push(`unsigned answered ${res.statusCode}`)
      } catch (err) {
        if (failures.length < 5) failures.push(`threw ${(err as Error).message} ← ${p.raw.slice(0, 300)}`)
      }
    }
  }
  const started = Date.now()
  await Promise.all(Array.from({ length: 32 }, worker))
  t.comment(`statuses ${JSON.stringify(Object.fromEntries(statuses))} in ${Date.now() - started} ms`)
  t.same(failures, [], 'no 5xx, no exception, unsigned always 401')
  t.notOk([...statuses.keys()].some(s => s >= 500))
  t.ok((statuses.get(200) ?? 0) > 1000, 'many reached ingest')
  const [stored] = await sql(h, 'select count(*)::int as n from messages')
  t.comment(`${stored.n} messages stored`)
  const [leaked] = await sql(h, "select count(*)::int as n from messages where body like 'UNSIGNED-%'")
  t.equal(leaked.n, 0, `none of the ${markers.length} unsigned payloads was stored`)

  const after = await deliver(h, fake, connectionId, messageUpdate(10_999, { text: 'still alive' }))
  t.equal(after.status, 200)
  t.equal(after.body.duplicate, false)
  t.equal((await sql(h, 'select body from messages where id = ?', [after.body.messageId]))[0].body, 'still alive')
  t.equal((await fetch(`${h.url}/health/ready`)).status, 200)
})
