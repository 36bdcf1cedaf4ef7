import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { OpenlineError, errorCodes } from '@openline/sdk'

export const configSchema = Type.Object({
  environment: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')]),
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  publicUrl: Type.String({ pattern: '^https?://' }),
  /** Signs session tokens and seals connector secrets. */
  secretKey: Type.String({ minLength: 32 }),
  databaseUrl: Type.String({ pattern: '^postgres(ql)?://' }),
  databasePoolMax: Type.Integer({ minimum: 1, maximum: 500 }),
  redisUrl: Type.String({ pattern: '^rediss?://' }),
  /** Prefix of every Redis key (queues, pub/sub, rate limits): several deployments or tests share one Redis. */
  redisPrefix: Type.String({ minLength: 1, maxLength: 64 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l))),
  /**
   * Which peers may set X-Forwarded-For (Fastify's trustProxy: true, a hop count, or addresses and
   * subnets such as "loopback" or "10.0.0.0/8"). Rate limits key on the client address it yields,
   * so trusting everyone lets any client pick its own. Default: "loopback" (a proxy on this host).
   */
  trustProxy: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 1 }), Type.String({ minLength: 1 })])),
  /** Plugins to load: npm package names or paths, each with its options. */
  plugins: Type.Array(Type.Object({ module: Type.String({ minLength: 1 }), options: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false })),
  openChannels: Type.Object({
    /** A4: 0 means unlimited. */
    limit: Type.Integer({ minimum: 0 })
  }, { additionalProperties: false }),
  auth: Type.Object({
    tokenTtlSec: Type.Integer({ minimum: 60, maximum: 60 * 60 * 24 * 90 }),
    loginAttemptsPerMinute: Type.Integer({ minimum: 1 })
  }, { additionalProperties: false }),
  graphql: Type.Object({
    maxDepth: Type.Integer({ minimum: 2, maximum: 50 }),
    maxAliases: Type.Integer({ minimum: 0, maximum: 100 }),
    maxCost: Type.Integer({ minimum: 100 }),
    /** Defaults: on outside production, off in production. */
    graphiql: Type.Optional(Type.Boolean()),
    introspection: Type.Optional(Type.Boolean())
  }, { additionalProperties: false }),
  rateLimit: Type.Object({
    max: Type.Integer({ minimum: 1 }),
    timeWindowMs: Type.Integer({ minimum: 1000 })
  }, { additionalProperties: false }),
  jobs: Type.Object({
    /** How often the sweeper looks for undispatched events, unsent deliveries and due timers. */
    sweepIntervalMs: Type.Integer({ minimum: 100 }),
    /** Run job processors in this instance (turn off for API-only instances). */
    process: Type.Boolean()
  }, { additionalProperties: false }),
  files: Type.Object({
    /** Where attachment bytes are kept (local disk). */
    directory: Type.String({ minLength: 1 }),
    /** Largest attachment accepted from a provider or an upload. */
    maxBytes: Type.Integer({ minimum: 1024, maximum: 2 * 1024 * 1024 * 1024 }),
    /** Extensions (lower case, no dot) refused at upload: programs and scripts. */
    deniedExtensions: Type.Array(Type.String({ pattern: '^[a-z0-9]{1,10}$' }), { maxItems: 500 })
  }, { additionalProperties: false })
}, { additionalProperties: false })

export type Config = Static<typeof configSchema>
export type ConfigInput = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> | Config[K] : Config[K] }

// Whole decimal numbers only: Number('') is 0 and Number('1e3') is 1000; anything else stays a
// string so validation names the key instead of silently using a surprising value.
const integer = (v: string): number | string => /^\s*\d{1,15}\s*$/.test(v) ? Number(v) : v

/** Environment variables and the configuration key each sets (a JSON pointer). */
const envKeys: Record<string, { path: string, apply: (c: Record<string, any>, v: string) => void }> = {
  DATABASE_URL: { path: '/databaseUrl', apply: (c, v) => { c.databaseUrl = v } },
  REDIS_URL: { path: '/redisUrl', apply: (c, v) => { c.redisUrl = v } },
  REDIS_PREFIX: { path: '/redisPrefix', apply: (c, v) => { c.redisPrefix = v } },
  PORT: { path: '/port', apply: (c, v) => { c.port = integer(v) } },
  HOST: { path: '/host', apply: (c, v) => { c.host = v } },
  PUBLIC_URL: { path: '/publicUrl', apply: (c, v) => { c.publicUrl = v } },
  SECRET_KEY: { path: '/secretKey', apply: (c, v) => { c.secretKey = v } },
  LOG_LEVEL: { path: '/logLevel', apply: (c, v) => { c.logLevel = v } },
  FILES_DIR: { path: '/files/directory', apply: (c, v) => { c.files = { ...c.files, directory: v } } },
  OPEN_CHANNEL_LIMIT: { path: '/openChannels/limit', apply: (c, v) => { c.openChannels = { ...c.openChannels, limit: integer(v) } } },
  NODE_ENV: { path: '/environment', apply: (c, v) => { c.environment = v } },
  TRUST_PROXY: { path: '/trustProxy', apply: (c, v) => { c.trustProxy = v === 'true' ? true : v === 'false' ? false : integer(v) } }
}

/** The secret key shipped in config/default.json (and anything like it) is for development only. */
function isDevelopmentKey (key: unknown): boolean {
  return typeof key === 'string' && key.includes('development-only')
}

function isObject (v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function merge (base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v
  }
  return out
}

function readJson (path: string): Record<string, any> {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new OpenlineError(errorCodes.configInvalid, `Cannot read configuration file ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (!isObject(value)) throw new OpenlineError(errorCodes.configInvalid, `Configuration file ${path} must hold a JSON object`)
  return value
}

/**
 * Validate a full configuration object; the error names every offending key (and the
 * environment variable that set it, when `sources` says so).
 */
export function validateConfig (candidate: Record<string, unknown>, sources: Record<string, string> = {}): Config {
  const fields = [...Value.Errors(configSchema, candidate)].map(e => ({ path: e.path || '/', message: e.message }))
  if (candidate.environment === 'production' && isDevelopmentKey(candidate.secretKey)) {
    fields.push({ path: '/secretKey', message: 'The development key must not be used in production: set SECRET_KEY to a long random value' })
  }
  if (fields.length > 0) {
    const keys = [...new Set(fields.map(f => {
      const key = f.path.slice(1).replaceAll('/', '.') || '(root)'
      return sources[f.path] === undefined ? key : `${key} (from ${sources[f.path]})`
    }))]
    throw new OpenlineError(errorCodes.configInvalid, `Invalid configuration: ${keys.join(', ')} — ${fields.map(f => `${f.path}: ${f.message}`).join('; ')}`, { fields })
  }
  return candidate as Config
}

/**
 * Configuration = config/default.json, then config/<environment>.json, then environment
 * variables, then `overrides` (tests), validated as a whole.
 */
export function loadConfig (options: { dir?: string, env?: NodeJS.ProcessEnv, overrides?: ConfigInput } = {}): Config {
  const dir = options.dir ?? join(import.meta.dirname, '../../config')
  const env = options.env ?? process.env
  let merged = readJson(join(dir, 'default.json'))
  const environment = options.overrides?.environment ?? env.NODE_ENV ?? merged.environment
  const envFile = join(dir, `${environment}.json`)
  if (existsSync(envFile)) merged = merge(merged, readJson(envFile))
  const fromEnv: Record<string, any> = {}
  const sources: Record<string, string> = {}
  for (const [key, { path, apply }] of Object.entries(envKeys)) {
    const value = env[key]
    if (value !== undefined && value !== '') {
      apply(fromEnv, value)
      sources[path] = key
    }
  }
  if (fromEnv.openChannels !== undefined) fromEnv.openChannels = { ...merged.openChannels, ...fromEnv.openChannels }
  merged = merge(merged, fromEnv)
  merged = merge(merged, (options.overrides ?? {}) as Record<string, any>)
  return validateConfig(merged, sources)
}
