import { DeliveryError } from '@openline/sdk'

/** Where and as whom to call the Graph API. Page tokens go in the query, WhatsApp's as a bearer header (as Meta documents each). */
export interface GraphTarget {
  apiBaseUrl: string
  apiVersion: string
  accessToken: string
  tokenIn: 'query' | 'header'
}

/** A failed Graph API call, with Meta's `error.code` / `error_subcode` when the answer carried them. */
export class GraphApiError extends Error {
  readonly code: number | null
  readonly subcode: number | null
  readonly httpStatus: number | null
  readonly retryAfterMs: number | undefined
  /** `error.error_data.details` (WhatsApp explains its codes there). */
  readonly details: string | null
  constructor (message: string, options: { code?: number | null, subcode?: number | null, httpStatus?: number | null, retryAfterMs?: number, details?: string | null, cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = 'GraphApiError'
    this.code = options.code ?? null
    this.subcode = options.subcode ?? null
    this.httpStatus = options.httpStatus ?? null
    this.retryAfterMs = options.retryAfterMs
    this.details = options.details ?? null
  }
}

function retryAfter (header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 3_600_000))
}

/**
 * Call `{apiBaseUrl}/{version}/{path}`; resolves the JSON answer, throws GraphApiError. `form` sends
 * multipart (media uploads) instead of a JSON body.
 */
export async function callGraph (target: GraphTarget, method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: Record<string, string>, body?: Record<string, unknown>, form?: FormData, timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
  const url = new URL(`${target.apiBaseUrl.replace(/\/+$/, '')}/${target.apiVersion}/${path}`)
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (target.tokenIn === 'query') url.searchParams.set('access_token', target.accessToken)
  else headers.authorization = `Bearer ${target.accessToken}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers,
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000)
    })
  } catch (err) {
    throw new GraphApiError(`Graph API unreachable: ${(err as Error).message}`, { cause: err })
  }
  const text = await res.text().catch(() => '')
  let parsed: unknown = null
  try { parsed = JSON.parse(text) } catch {}
  const answer = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : null
  const error = answer !== null && typeof answer.error === 'object' && answer.error !== null ? answer.error as Record<string, unknown> : null
  if (res.status >= 200 && res.status < 300 && error === null && answer !== null) return answer
  const code = typeof error?.code === 'number' ? error.code : null
  const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : null
  const message = typeof error?.message === 'string' ? error.message.slice(0, 500) : `HTTP ${res.status}`
  const data = typeof error?.error_data === 'object' && error.error_data !== null ? error.error_data as Record<string, unknown> : null
  const details = typeof data?.details === 'string' ? data.details.slice(0, 500) : null
  const shown = `${message}${details !== null && !message.includes(details) ? ` — ${details}` : ''}`
  throw new GraphApiError(`Graph API refused ${method} ${path}: ${code ?? res.status} ${shown}`, { code, subcode, httpStatus: res.status, retryAfterMs: retryAfter(res.headers.get('retry-after')), details })
}

/** Rate limits (application, user, page, custom): retry later. */
export const rateLimitCodes = new Set([4, 17, 32, 613, 80006])

/** Back-off when Meta names no wait: 30 s, 60 s, … up to 10 minutes (rate limits last minutes, not seconds). */
export function rateLimitBackoff (attempt: number): number {
  return Math.min(600_000, 30_000 * 2 ** Math.max(0, Math.min(attempt - 1, 10)))
}

/** How the delivery worker should treat a failed send. */
export function toDeliveryError (err: unknown, attempt: number): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (!(err instanceof GraphApiError)) return new DeliveryError(`Meta send failed: ${(err as Error)?.message ?? String(err)}`, { retryable: true, cause: err })
  const options = { cause: err }
  if (err.code !== null && rateLimitCodes.has(err.code)) {
    return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? rateLimitBackoff(attempt), ...options })
  }
  if (err.code === 551 || (err.code === 10 && err.subcode === 2018278) || (err.code === 100 && err.subcode === 2018001)) {
    // "This person isn't available right now" / no matching user: the client cannot be reached.
    return new DeliveryError(`${err.message} (the client cannot be reached)`, { retryable: false, undeliverable: true, ...options })
  }
  if (err.code === 1 || err.code === 2) return new DeliveryError(err.message, { retryable: true, ...options })
  // 10 (permission / outside the window), 190 (token), 200 (permission), 100 (bad parameter)…: permanent.
  return byHttpStatus(err, attempt)
}

/** For codes that name nothing special: no answer or 5xx retry, 429 waits, any other refusal is permanent. */
export function byHttpStatus (err: GraphApiError, attempt: number): DeliveryError {
  const options = { cause: err }
  if (err.httpStatus === null || err.httpStatus >= 500) return new DeliveryError(err.message, { retryable: true, ...options })
  if (err.httpStatus === 429) return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? rateLimitBackoff(attempt), ...options })
  return new DeliveryError(err.message, { retryable: false, ...options })
}
