// Child process of a benchmark: the real app, alone on its event loop, so the load generator
// does not steal its CPU time slices. Started by `startServer` (./spawn.ts); configured by env:
//   BENCH_DATABASE_URL (required), BENCH_REDIS_PREFIX (required), BENCH_PORT (0: any free port),
//   BENCH_PLUGINS (comma-separated known names, e.g. "test-connector"), BENCH_ADMIN_EMAIL,
//   BENCH_ADMIN_PASSWORD, BENCH_DB_POOL (databasePoolMax), BENCH_LOG_LEVEL (default warn),
//   BENCH_ENVIRONMENT (default production).
// Prints one JSON line `{"ready":true,"url":...,"pid":...}` on stdout once it listens; stops on
// SIGTERM/SIGINT or when its stdin closes (the parent went away).
import { randomBytes } from 'node:crypto'
import { buildApp, loadConfig, auth, type Config, type PluginEntry } from '@openline/core'
import { testConnectorPlugin } from '@openline/testing'
import queueEvenlyPlugin from '@openline/plugin-queue-evenly'
import queueInOrderPlugin from '@openline/plugin-queue-in-order'
import telegramPlugin from '@openline/plugin-channel-telegram'
import viberPlugin from '@openline/plugin-channel-viber'
import metaPlugin from '@openline/plugin-channel-meta'
import webchatPlugin from '@openline/plugin-channel-webchat'

const knownPlugins: Record<string, PluginEntry> = {
  'test-connector': { definition: testConnectorPlugin },
  'queue-evenly': { definition: queueEvenlyPlugin },
  'queue-in-order': { definition: queueInOrderPlugin },
  'channel-telegram': { definition: telegramPlugin },
  'channel-viber': { definition: viberPlugin },
  'channel-meta': { definition: metaPlugin },
  'channel-webchat': { definition: webchatPlugin }
}

function required (name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required`)
  return value
}

function plugins (list: string): PluginEntry[] {
  return list.split(',').map(s => s.trim()).filter(s => s !== '').map((name) => {
    const entry = knownPlugins[name]
    if (entry === undefined) throw new Error(`unknown plugin ${name}; known: ${Object.keys(knownPlugins).join(', ')}`)
    return entry
  })
}

async function main (): Promise<void> {
  const port = Number(process.env.BENCH_PORT ?? '0')
  const environment = (process.env.BENCH_ENVIRONMENT ?? 'production') as Config['environment']
  const config = loadConfig({
    overrides: {
      environment,
      // The bench names its plugins itself (BENCH_PLUGINS).
      plugins: [],
      host: '127.0.0.1',
      port,
      publicUrl: `http://127.0.0.1:${port === 0 ? 3000 : port}`,
      secretKey: randomBytes(32).toString('hex'),
      databaseUrl: required('BENCH_DATABASE_URL'),
      redisPrefix: required('BENCH_REDIS_PREFIX'),
      logLevel: (process.env.BENCH_LOG_LEVEL ?? 'warn') as Config['logLevel'],
      ...(process.env.BENCH_DB_POOL !== undefined ? { databasePoolMax: Number(process.env.BENCH_DB_POOL) } : {})
    }
  })
  const app = await buildApp(config, { plugins: plugins(process.env.BENCH_PLUGINS ?? ''), migrate: true })
  const address = await app.listen({ port, host: '127.0.0.1' })

  const email = process.env.BENCH_ADMIN_EMAIL
  const password = process.env.BENCH_ADMIN_PASSWORD
  if (email !== undefined && password !== undefined) {
    await auth.createUser(app.core, { email, name: 'Bench Admin', password, role: 'admin' })
  }

  let closing = false
  const stop = (): void => {
    if (closing) return
    closing = true
    // A bounded close: a stuck connection must not keep the benchmark waiting.
    const force = setTimeout(() => process.exit(1), 10_000)
    app.close().then(() => { clearTimeout(force); process.exit(0) }, () => process.exit(1))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
  process.stdout.write(JSON.stringify({ ready: true, url: address, pid: process.pid }) + '\n')
}

main().catch((err) => {
  process.stderr.write(`bench server failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
