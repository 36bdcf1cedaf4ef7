// One attempt: a signed POST through the core's SSRF guard, and what its answer means.
import { errorCodes, type PluginContext } from '@openline/sdk'
import { signatureOf } from './signature.ts'
import { retryAfterMs } from './retry.ts'
import { trustedOrigins, type WebhookOptions } from './options.ts'

// Codes of the core's guarded fetch (not in the SDK's `errorCodes`).
const ssrfBlocked = errorCodes.ssrfBlocked
const tooLarge = errorCodes.fileTooLarge

/** Receivers answer briefly; a bigger answer is refused (and that attempt failed). */
export const responseLimitBytes = 64 * 1024

export type Outcome =
  | { result: 'delivered', responseStatus: number }
  /** Worth trying again (5xx, 408, 429, network trouble, no answer in time); `askedDelayMs` from `Retry-After`. */
  | { result: 'retry', responseStatus: number | null, error: string, askedDelayMs: number | null }
  /** Trying again would fail the same way (4xx, a redirect, a blocked address). */
  | { result: 'failed', responseStatus: number | null, error: string }
  /** 410 Gone: the receiver asks not to be called again. */
  | { result: 'gone', responseStatus: 410, error: string }

export interface SignedRequest {
  url: string
  secret: string
  uid: string
  event: string
  body: string
}

export function signedHeaders (request: SignedRequest, now: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000))
  return {
    'content-type': 'application/json',
    'user-agent': 'Openline-Webhooks',
    'x-openline-event': request.event,
    'x-openline-delivery': request.uid,
    'x-openline-timestamp': timestamp,
    'x-openline-signature': signatureOf(request.secret, timestamp, request.body)
  }
}

/** The start of a receiver's answer, on one line, for `lastError`. */
function excerpt (data: Buffer): string {
  const text = data.subarray(0, 300).toString('utf8').replace(/\s+/g, ' ').trim()
  return text === '' ? '' : `: ${text.slice(0, 200)}`
}

export function classifyResponse (status: number, headers: Headers, data: Buffer): Outcome {
  if (status >= 200 && status < 300) return { result: 'delivered', responseStatus: status }
  if (status === 410) return { result: 'gone', responseStatus: 410, error: 'The receiver answered 410 Gone' }
  if (status === 408 || status === 429 || status >= 500) {
    return { result: 'retry', responseStatus: status, error: `The receiver answered ${status}${excerpt(data)}`, askedDelayMs: retryAfterMs(headers.get('retry-after')) }
  }
  if (status >= 300 && status < 400) {
    const location = headers.get('location')
    return { result: 'failed', responseStatus: status, error: `The receiver answered ${status}; redirects are not followed${location === null ? '' : ` (to ${location.slice(0, 200)})`}` }
  }
  return { result: 'failed', responseStatus: status, error: `The receiver answered ${status}${excerpt(data)}` }
}

export function classifyError (err: unknown): Outcome {
  const { code, message, cause } = err as { code?: unknown, message?: unknown, cause?: { code?: unknown, message?: unknown } }
  if (code === ssrfBlocked) return { result: 'failed', responseStatus: null, error: `Blocked by the SSRF guard: ${String(message)}` }
  if (code === tooLarge) return { result: 'failed', responseStatus: null, error: `The receiver's answer was over ${responseLimitBytes} bytes` }
  const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : String(message)
  return { result: 'retry', responseStatus: null, error: `The request failed: ${reason}`, askedDelayMs: null }
}

const timedOut = Symbol('timedOut')

/** Sign and send one attempt. Never throws: every failure is an outcome. */
export async function post (ctx: Pick<PluginContext<any>, 'files'>, options: WebhookOptions, request: SignedRequest): Promise<Outcome> {
  const sending = ctx.files.fetch(request.url, {
    method: 'POST',
    headers: signedHeaders(request),
    body: request.body,
    trustedOrigins: trustedOrigins(options),
    maxBytes: responseLimitBytes,
    // A little after the race below: the race decides the outcome, the abort frees the connection.
    timeoutMs: options.timeoutMs + 1000
  })
  // Swallow a failure that comes after the race was decided.
  sending.catch(() => {})
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<typeof timedOut>(resolve => { timer = setTimeout(() => resolve(timedOut), options.timeoutMs) })
  try {
    const response = await Promise.race([sending, deadline])
    if (response === timedOut) return { result: 'retry', responseStatus: null, error: `No answer within ${options.timeoutMs} ms`, askedDelayMs: null }
    return classifyResponse(response.status, response.headers, response.data)
  } catch (err) {
    return classifyError(err)
  } finally {
    clearTimeout(timer)
  }
}
