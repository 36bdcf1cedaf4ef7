import { DeliveryError } from '@openline/sdk'
import type { MetaSettings } from './settings.ts'

/** A failed Graph API call, with Meta's `error.code` / `error_subcode` when the answer carried them. */
export class GraphApiError extends Error {
  readonly code: number | null
  readonly subcode: number | null
  readonly httpStatus: number | null
  readonly retryAfterMs: number | undefined
  constructor (message: string, options: { code?: number | null, subcode?: number | null, httpStatus?: number | null, retryAfterMs?: number, cause?: unknown }) {
    super(message, { cause: options.cause })
    this.name = 'GraphApiError'
    this.code = options.code ?? null
    this.subcode = options.subcode ?? null
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

/** Call `{apiBaseUrl}/{version}/{path}` with the page token; resolves the JSON answer, throws GraphApiError. */
export async function callGraph (settings: Pick<MetaSettings, 'apiBaseUrl' | 'apiVersion' | 'pageAccessToken'>, method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: Record<string, string>, body?: Record<string, unknown>, timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
  const url = new URL(`${settings.apiBaseUrl.replace(/\/+$/, '')}/${settings.apiVersion}/${path}`)
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
  url.searchParams.set('access_token', settings.pageAccessToken)
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
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
  throw new GraphApiError(`Graph API refused ${method} ${path}: ${code ?? res.status} ${message}`, { code, subcode, httpStatus: res.status, retryAfterMs: retryAfter(res.headers.get('retry-after')) })
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
  if (err.httpStatus === null || err.httpStatus >= 500) return new DeliveryError(err.message, { retryable: true, ...options })
  if (err.httpStatus === 429) return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? rateLimitBackoff(attempt), ...options })
  // 10 (permission / outside the window), 190 (token), 200 (permission), 100 (bad parameter)…: permanent.
  return new DeliveryError(err.message, { retryable: false, ...options })
}
