// The webhook fuzz shared by the Messenger, WhatsApp and comments runs: random and mutated bodies
// built from real-format templates, most signed validly so they reach the parser and mapper. A
// seeded generator (FUZZ_SEED) makes a failure replayable.
import type { Test } from 'tap'
import type { TestApp } from '@openline/testing'
import { sign } from './fakeApi.ts'
import { sql } from './helpers.ts'

export const seed = Number(process.env.FUZZ_SEED ?? 20261123)

export interface Random {
  rand: () => number
  int: (n: number) => number
  pick: <T>(list: T[]) => T
}

export function seeded (offset = 0): Random {
  let state = (seed + offset) >>> 0
  const rand = (): number => {
    state = (state + 0x6D2B79F5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(rand() * n)
  return { rand, int, pick: <T>(list: T[]): T => list[int(list.length)] }
}

export interface FuzzSpec {
  /** Real-format bodies of this provider payload family, fresh on each call. */
  templates: () => Record<string, unknown>[]
  /** Words the payloads use (object names, types, field values) to mix in as values. */
  words: string[]
  /** Keys to mix in as object keys. */
  keys: string[]
  /** Regex replacements on the serialised body that make typed values go wrong (timestamps, ids). */
  rawTweaks: [RegExp, string[]][]
}

export function createFuzzer (spec: FuzzSpec, random: Random): () => { raw: string | Buffer, signed: boolean } {
  const { rand, int, pick } = random

  function randomString (): string {
    const pools = ['abc', 'Olá ação ✓', 'привет', '😀🎉', '\u0000\u0001\u001f', '\ud800', '\udfff', '"\\/', '\u202e\u200b', 'https://scontent.fbcdn.net/x', 'https://lookaside.fbsbx.com/x', 'http://127.0.0.1/x', 'http://169.254.169.254/', 'm_abc', 'wamid.abc', '../../etc/passwd', '%2e%2e/']
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
      case 7: return pick(spec.words)
      case 8: return Array.from({ length: int(4) }, () => randomValue(depth + 1))
      case 9: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(spec.keys), randomValue(depth + 1)]))
      default: { let v: unknown = 'deep'; for (let i = 0; i < 50; i++) v = [v]; return v }
    }
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
        case 2: target[pick([...spec.keys, '__proto__', 'constructor'])] = randomValue(); break
        case 3: target[key] = randomString(); break
        case 4: target[key] = Array.isArray(target[key]) ? [...(target[key] as unknown[]), ...(target[key] as unknown[])] : [target[key], target[key]]; break
        default: target[key] = randomValue(2)
      }
    }
    let raw = JSON.stringify(copy)
    if (int(8) === 0) raw = raw.slice(0, int(raw.length))
    else if (rand() < 0.3 && spec.rawTweaks.length > 0) {
      const [pattern, replacements] = pick(spec.rawTweaks)
      raw = raw.replace(pattern, (match) => `${match.slice(0, match.indexOf(':') + 1)}${pick(replacements)}`)
    }
    return raw
  }

  return () => {
    const roll = rand()
    if (roll < 0.03) return { raw: Buffer.from(Array.from({ length: int(200) }, () => int(256))), signed: true }
    if (roll < 0.06) return { raw: JSON.stringify(randomValue()), signed: true }
    if (roll < 0.12) return { raw: mutate(pick(spec.templates())), signed: false }
    return { raw: mutate(pick(spec.templates())), signed: true }
  }
}

/**
 * Post `total` fuzzed webhooks through `app.inject`, 50 at a time: asserts no crash, no 5xx, many
 * answered 200 and the unsigned ones refused; then that a valid `alive` body is still stored.
 */
export async function runFuzz (t: Test, options: { h: TestApp, url: string, appSecret: string, spec: FuzzSpec, random: Random, total?: number, alive: { body: Record<string, unknown>, text: string } }): Promise<void> {
  const { h, url, appSecret } = options
  const total = options.total ?? 10_000
  const next = createFuzzer(options.spec, options.random)
  const statuses = new Map<number, number>()
  let crashes = 0
  const failures: string[] = []
  for (let done = 0; done < total;) {
    const batch = Array.from({ length: Math.min(50, total - done) }, () => next())
    done += batch.length
    await Promise.all(batch.map(async ({ raw, signed }) => {
      try {
        const res = await h.app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(signed ? appSecret : 'not-the-secret', raw) } })
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
  t.ok((statuses.get(200) ?? 0) > total / 10, 'many payloads reached the mapper and were answered 200')
  t.ok((statuses.get(401) ?? 0) > total / 100, 'unsigned ones were refused')

  const raw = JSON.stringify(options.alive.body)
  const res = await h.app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(appSecret, raw) } })
  t.equal(res.statusCode, 200, 'the app still serves')
  t.equal((await sql(h, 'select count(*)::int as n from messages where body = ?', [options.alive.text]))[0].n, 1, 'and stores a valid message')
}
