import { spawn } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import t from 'tap'
import { clearRedisPrefix, redisPrefix, startRedisServer } from '../src/redis.ts'

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

t.test('redisPrefix is unique and well-formed', async (t) => {
  const prefixes = Array.from({ length: 1000 }, () => redisPrefix('inbox'))
  t.equal(new Set(prefixes).size, prefixes.length)
  t.match(prefixes[0], /^olt:inbox:[0-9a-f]{12}:$/)
  t.match(redisPrefix(), /^olt:t:[0-9a-f]{12}:$/)
  t.match(redisPrefix('a b*c'), /^olt:a_b_c:/, 'label cannot inject glob characters')
})

t.test('startRedisServer: clearRedisPrefix deletes only its own keys', async (t) => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  const mine = redisPrefix('mine')
  const other = redisPrefix('other')
  const pipeline = redis.pipeline()
  for (let i = 0; i < 2500; i++) pipeline.set(`${mine}k${i}`, '1') // several SCAN pages
  pipeline.set(`${other}k`, '1')
  pipeline.set('unprefixed', '1')
  await pipeline.exec()

  t.equal(await clearRedisPrefix(server.url, mine), 2500)
  t.same(await redis.keys(`${mine}*`), [])
  t.equal(await redis.get(`${other}k`), '1', 'other prefix untouched')
  t.equal(await redis.get('unprefixed'), '1', 'unprefixed key untouched')
  t.equal(await clearRedisPrefix(server.url, mine), 0, 'clearing again is a no-op')
})

t.test('startRedisServer: stop and start again on the same port', async (t) => {
  const server = await startRedisServer()
  t.teardown(() => server.stop())
  t.equal(server.url, `redis://127.0.0.1:${server.port}`)
  t.ok(await answers(server.port), 'answers after start')

  await server.stop()
  t.notOk(await answers(server.port), 'gone after stop')
  await server.stop() // idempotent

  await server.start()
  t.ok(await answers(server.port), 'answers again on the same port')
  await server.start() // no-op while running
})

t.test('startRedisServer honours an explicit port and reports failures', async (t) => {
  const first = await startRedisServer()
  t.teardown(() => first.stop())
  const second = await startRedisServer({ port: first.port + 1 })
  t.teardown(() => second.stop())
  t.equal(second.port, first.port + 1)
  await t.rejects(startRedisServer({ port: first.port }), /did not start/, 'port already taken')
})

t.test('the redis-server child dies with the test process', async (t) => {
  const module = fileURLToPath(new URL('../src/redis.ts', import.meta.url))
  // The child starts a server, prints its port and then kills itself hard,
  // so no exit handler of ours can run.
  const script = `import { startRedisServer } from ${JSON.stringify(module)}
const server = await startRedisServer()
console.log(server.port)
process.kill(process.pid, 'SIGKILL')`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  await new Promise((resolve) => child.once('exit', resolve))
  const port = Number(out.trim())
  t.ok(port > 0, 'child reported a port')
  let alive = true
  for (let i = 0; i < 50 && alive; i++) {
    alive = await answers(port)
    if (alive) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.notOk(alive, 'redis-server is gone after its parent was killed')
})
