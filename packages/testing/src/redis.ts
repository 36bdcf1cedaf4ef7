// Redis helpers for tests: unique key prefixes on a shared server, and private
// throwaway redis-server processes for tests that stop/restart Redis.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Redis } from 'ioredis'

export type RedisServer = {
  port: number
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}

/** A key prefix no other test uses, e.g. `olt:inbox:3f9a0c12d4e5:`. */
export function redisPrefix(label = 't'): string {
  const safe = label.replace(/[^A-Za-z0-9_-]/g, '_')
  return `olt:${safe}:${randomBytes(6).toString('hex')}:`
}

/** Deletes every key starting with `prefix`; returns how many were deleted. */
export async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  try {
    // Escape glob characters so the prefix matches literally.
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await redis.unlink(...keys)
    } while (cursor !== '0')
    return deleted
  } finally {
    redis.disconnect()
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function ping(port: number): Promise<boolean> {
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

// redis-server runs under a small sh wrapper that kills it as soon as our end
// of the wrapper's stdin closes: on stop(), and also when this process dies in
// any way (even SIGKILL or a tap timeout), since the OS then closes the pipe.
// (In a non-interactive sh, a background job's stdin is /dev/null, hence fd 3.)
const WRAPPER = `exec 3<&0
redis-server "$@" </dev/null &
pid=$!
{ read -r _ <&3; kill "$pid" 2>/dev/null; } &
wait "$pid"`

function spawnRedis(port: number): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']
  const child = spawn('sh', ['-c', WRAPPER, 'sh', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Once the wrapper is gone nothing reads the pipe; drop our end too.
  void exited.then(() => child.stdin?.destroy())
  // Don't keep the test process alive just for this child.
  child.unref()
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as net.Socket | null)?.unref()
  return { child, output: () => output, exited }
}

/** Starts a private redis-server on `options.port` or a free port, and waits until it answers PING. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort())
  let current: ReturnType<typeof spawnRedis> | undefined

  const start = async (): Promise<void> => {
    if (current) return
    const proc = spawnRedis(port)
    current = proc
    let gone = false
    void proc.exited.then(() => {
      gone = true
    })
    const deadline = Date.now() + 10_000
    // PING alone could be answered by another server already on this port;
    // redis-server logs this line to stdout once *it* is listening.
    while (!proc.output().includes('Ready to accept connections') || !(await ping(port))) {
      if (gone || Date.now() > deadline) {
        await stop()
        throw new Error(`redis-server on port ${port} did not start:\n${proc.output()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const stop = async (): Promise<void> => {
    const proc = current
    if (!proc) return
    current = undefined
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.stdin?.end() // the wrapper kills redis-server and exits
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5000)
      await proc.exited
      clearTimeout(timer)
    }
  }

  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, stop }
}
