/**
 * Every error Openline raises on purpose carries a stable `code` (like Fastify's FST_ codes),
 * so API clients and tests match on codes, never on message text.
 */
export interface FieldError {
  /** JSON pointer-like path of the offending field, relative to the input it checks, e.g. `/timezone` within a settings group. */
  path: string
  message: string
}

export class OpenlineError extends Error {
  readonly code: string
  readonly statusCode: number
  readonly fields: FieldError[] | undefined
  constructor (code: string, message: string, options: { statusCode?: number, fields?: FieldError[], cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'OpenlineError'
    this.code = code
    this.statusCode = options.statusCode ?? 400
    this.fields = options.fields
  }
}

/**
 * Throw from a hook to cancel the action it guards.
 * @example
 * hooks: { 'message.beforeStore': async ({ message }) => { if (message.body.length > 4096) throw veto('TOO_LONG', 'Message too long') } }
 */
export function veto (code: string, message: string): OpenlineError {
  return new OpenlineError(`OL_VETO_${code}`, message, { statusCode: 409 })
}

/** Error codes the core uses; stable across releases. */
export const errorCodes = {
  configInvalid: 'OL_CONFIG_INVALID',
  databaseUnreachable: 'OL_DATABASE_UNREACHABLE',
  pluginShape: 'OL_PLUGIN_SHAPE',
  pluginCoreRange: 'OL_PLUGIN_CORE_RANGE',
  pluginOptions: 'OL_PLUGIN_OPTIONS',
  pluginDuplicate: 'OL_PLUGIN_DUPLICATE',
  pluginMissingDependency: 'OL_PLUGIN_MISSING_DEPENDENCY',
  pluginCyclicDependency: 'OL_PLUGIN_CYCLIC_DEPENDENCY',
  unknownHook: 'OL_PLUGIN_UNKNOWN_HOOK',
  duplicateStrategy: 'OL_PLUGIN_DUPLICATE_STRATEGY',
  registryFrozen: 'OL_REGISTRY_FROZEN',
  validation: 'OL_VALIDATION',
  unauthenticated: 'OL_UNAUTHENTICATED',
  forbidden: 'OL_FORBIDDEN',
  notFound: 'OL_NOT_FOUND',
  conflict: 'OL_CONFLICT',
  limitReached: 'OL_LIMIT_REACHED',
  connectionInactive: 'OL_CONNECTION_INACTIVE',
  unknownConnector: 'OL_UNKNOWN_CONNECTOR',
  confirmationRequired: 'OL_CONFIRMATION_REQUIRED',
  rateLimited: 'OL_RATE_LIMITED',
  connectFailed: 'OL_CONNECT_FAILED',
  secretsInvalid: 'OL_SECRETS_INVALID',
  /** `ctx.files.fetch` refused a private, loopback or otherwise non-public address. */
  ssrfBlocked: 'OL_SSRF_BLOCKED',
  /** `ctx.files.fetch` stopped reading at its byte limit. */
  fileTooLarge: 'OL_FILE_TOO_LARGE'
} as const
