import { DeliveryError } from '@openline/sdk'
import { byHttpStatus, GraphApiError, rateLimitBackoff } from './graph.ts'

/** Throughput (130429), pair rate (131056), business account (80007) and Graph (4, 613) limits: retry later. */
export const whatsappRateLimitCodes = new Set([4, 613, 80007, 130429, 131056])
/** WhatsApp's own transient failures ("something went wrong", service unavailable). */
const transientCodes = new Set([1, 2, 131000, 131016, 133004])

export const reengagementCode = 131047
export const undeliverableCode = 131026

export const outsideWindowExplanation = 'the client last wrote more than 24 hours ago, so WhatsApp allows only an approved template message (outside the 24-hour window; configure a template on the connection)'

/** What an error code means for the agent, for codes whose Meta text is terse. */
export function explainWhatsAppCode (code: number | null): string | null {
  if (code === reengagementCode) return outsideWindowExplanation
  if (code === undeliverableCode) return 'the number cannot receive this message (not on WhatsApp, an old app version, or it has not accepted the current terms)'
  return null
}

/** How the delivery worker should treat a failed Cloud API call. */
export function toWhatsAppDeliveryError (err: unknown, attempt: number): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (!(err instanceof GraphApiError)) return new DeliveryError(`WhatsApp send failed: ${(err as Error)?.message ?? String(err)}`, { retryable: true, cause: err })
  const options = { cause: err }
  if (err.code !== null && whatsappRateLimitCodes.has(err.code)) {
    return new DeliveryError(err.message, { retryable: true, retryAfterMs: err.retryAfterMs ?? rateLimitBackoff(attempt), ...options })
  }
  if (err.code === reengagementCode) return new DeliveryError(`${err.message} (${outsideWindowExplanation})`, { retryable: false, ...options })
  if (err.code === undeliverableCode) return new DeliveryError(`${err.message} (${explainWhatsAppCode(err.code) ?? ''})`, { retryable: false, undeliverable: true, ...options })
  if (err.code !== null && transientCodes.has(err.code)) return new DeliveryError(err.message, { retryable: true, ...options })
  // 100 (bad parameter), 131008/131009 (missing/invalid parameter), 132xxx (template problems), 190 (token)…: permanent.
  return byHttpStatus(err, attempt)
}
