import { DeliveryError } from '@openline/sdk'

/** Viber's answer: HTTP 200 with `status` 0 on success, a non-zero code and `status_message` otherwise. */
export interface ViberResponse {
  status: number
  status_message?: string
  [key: string]: unknown
}

/**
 * JSON.parse keeping `message_token` exact: Viber sends it as a 64-bit number, past what a double
 * holds, and two different tokens could otherwise collapse into one (and be de-duplicated away).
 */
export function parseViberJson (text: string): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, context?: { source?: string }) {
    if (key === 'message_token' && typeof value === 'number' && typeof context?.source === 'string') return context.source
    return value
  } as (key: string, value: unknown) => unknown)
}

/** Status codes of the REST bot API (non-zero `status`). */
export const viberStatus = {
  ok: 0,
  invalidUrl: 1,
  invalidAuthToken: 2,
  badData: 3,
  missingData: 4,
  receiverNotRegistered: 5,
  receiverNotSubscribed: 6,
  publicAccountBlocked: 7,
  publicAccountNotFound: 8,
  publicAccountSuspended: 9,
  webhookNotSet: 10,
  receiverNoSuitableDevice: 11,
  tooManyRequests: 12,
  apiVersionNotSupported: 13,
  incompatibleWithVersion: 14
} as const

/** Raised for any failed API call; `send` turns it into a `DeliveryError`, `connect` into a message for the admin. */
export class ViberApiError extends Error {
  readonly status: number | null
  readonly httpStatus: number | null
  readonly retryAfterMs: number | undefined
  constructor (message: string, options: { status?: number | null, httpStatus?: number | null, retryAfterMs?: number, cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = 'ViberApiError'
    this.status = options.status ?? null
    this.httpStatus = options.httpStatus ?? null
    this.retryAfterMs = options.retryAfterMs
  }
}

function retryAfter (header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 3_600_000))
}

/** POST one API method (`set_webhook`, `send_message`…) with the bot's token. */
export async function callViber (apiBaseUrl: string, authToken: string, method: string, body: string | Record<string, unknown>, timeoutMs = 15_000): Promise<ViberResponse> {
  let res: Response
  try {
    res = await fetch(`${apiBaseUrl.replace(/\/+$/, '')}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-viber-auth-token': authToken },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err) {
    throw new ViberApiError(`Viber API unreachable: ${(err as Error).message}`, { cause: err })
  }
  const text = await res.text().catch(() => '')
  if (res.status !== 200) {
    throw new ViberApiError(`Viber API answered HTTP ${res.status}`, { httpStatus: res.status, retryAfterMs: retryAfter(res.headers.get('retry-after')) })
  }
  let parsed: unknown
  try {
    parsed = parseViberJson(text)
  } catch {
    throw new ViberApiError('Viber API answered with malformed JSON', { httpStatus: 200 })
  }
  const answer = parsed as ViberResponse | null
  if (typeof answer !== 'object' || answer === null || typeof answer.status !== 'number') {
    throw new ViberApiError('Viber API answered without a status', { httpStatus: 200 })
  }
  if (answer.status !== viberStatus.ok) {
    throw new ViberApiError(`Viber refused ${method}: ${answer.status} ${String(answer.status_message ?? '')}`.trim(), { status: answer.status, httpStatus: 200 })
  }
  return answer
}

/** Back-off for status 12 (Viber names no wait): 1 s, 2 s, 4 s… up to 60 s. */
export function tooManyRequestsBackoff (attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, Math.min(attempt - 1, 10)))
}

/** How the delivery worker should treat a failed send. */
export function toDeliveryError (err: unknown, attempt: number): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (!(err instanceof ViberApiError)) return new DeliveryError(`Viber send failed: ${(err as Error)?.message ?? String(err)}`, { retryable: true, cause: err })
  const options = { cause: err }
  if (err.status === null) {
    // Transport: network, timeouts, 5xx and 429 are worth another try; other HTTP answers are not.
    if (err.httpStatus === null || err.httpStatus >= 500) return new DeliveryError(err.message, { retryable: true, ...options })
    if (err.httpStatus === 429) return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? tooManyRequestsBackoff(attempt), ...options })
    if (err.httpStatus === 200) return new DeliveryError(err.message, { retryable: true, ...options })
    return new DeliveryError(err.message, { retryable: false, ...options })
  }
  switch (err.status) {
    case viberStatus.tooManyRequests:
      return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? tooManyRequestsBackoff(attempt), ...options })
    case viberStatus.receiverNotRegistered:
    case viberStatus.receiverNotSubscribed:
      // The user left (unsubscribed, or their Viber account is gone): stop writing to them.
      return new DeliveryError(`${err.message} (the client cannot be reached)`, { retryable: false, undeliverable: true, ...options })
    case viberStatus.invalidUrl:
    case viberStatus.invalidAuthToken:
    case viberStatus.badData:
    case viberStatus.missingData:
    case viberStatus.publicAccountBlocked:
    case viberStatus.publicAccountNotFound:
    case viberStatus.publicAccountSuspended:
    case viberStatus.webhookNotSet:
    case viberStatus.receiverNoSuitableDevice:
    case viberStatus.apiVersionNotSupported:
    case viberStatus.incompatibleWithVersion:
      return new DeliveryError(err.message, { retryable: false, ...options })
    default:
      // "generalError" and codes we do not know: transient as far as we can tell; attempts are capped.
      return new DeliveryError(err.message, { retryable: true, ...options })
  }
}
