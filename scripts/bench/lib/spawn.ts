// Parent side of ./server.ts: start the app in a child process and wait for its ready line.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface BenchServer {
  url: string
  pid: number
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`). */
  stop: (timeoutMs?: number) => Promise<void>
}

export interface StartServerOptions {
  databaseUrl: string
  redisPrefix: string
  plugins?: string[]
  admin?: { email: string, password: string }
  port?: number
  databasePoolMax?: number
  logLevel?: string
  /** Extra node flags for the child, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeArgs?: string[]
  readyTimeoutMs?: number
}

const serverPath = new URL('./server.ts', import.meta.url).pathname

function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise(resolve => child.once('exit', () => resolve()))
}

export async function startServer (options: StartServerOptions): Promise<BenchServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_DATABASE_URL: options.databaseUrl,
    BENCH_REDIS_PREFIX: options.redisPrefix,
    BENCH_PORT: String(options.port ?? 0),
    BENCH_PLUGINS: (options.plugins ?? []).join(','),
    BENCH_LOG_LEVEL: options.logLevel ?? 'warn'
  }
  if (options.admin !== undefined) {
    env.BENCH_ADMIN_EMAIL = options.admin.email
    env.BENCH_ADMIN_PASSWORD = options.admin.password
  }
  if (options.databasePoolMax !== undefined) env.BENCH_DB_POOL = String(options.databasePoolMax)
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), serverPath], { env, stdio: ['pipe', 'pipe', 'inherit'] })
  // The child's later stdout (none expected) must not block it on a full pipe.
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const ready = await new Promise<{ url: string, pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('bench server not ready in time')) }, options.readyTimeoutMs ?? 60_000)
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`bench server exited early (${code ?? signal})`)) })
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean, url?: string, pid?: number }
        if (msg.ready === true && typeof msg.url === 'string') { clearTimeout(timer); resolve({ url: msg.url, pid: msg.pid ?? child.pid ?? 0 }) }
      } catch {
        process.stderr.write(`[server] ${line}\n`)
      }
    })
  })
  child.removeAllListeners('exit')
  return {
    url: ready.url,
    pid: ready.pid,
    async stop (timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await exited(child)
      clearTimeout(timer)
      child.stdin?.destroy()
    }
  }
}
