// The plugin's options (validated at boot). Defaults suit production; tests shorten the delays and
// name their loopback receiver in `trustedOrigins`.
import { Type, type PluginContext, type Static } from '@openline/sdk'

export const webhookOptions = Type.Object({
  /** Accept `http://` endpoint URLs. Off by default: payloads carry client messages and must travel encrypted. */
  allowHttp: Type.Boolean({ default: false }),
  /**
   * Origins (`scheme://host:port`) the SSRF guard lets through even on loopback or private
   * addresses: an integration on the same host or network that an operator vouches for.
   */
  trustedOrigins: Type.Array(Type.String({ pattern: '^https?://', maxLength: 300 }), { default: [], maxItems: 100 }),
  /** Attempts per delivery, the first included. */
  maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 10 }),
  /** Wait after the first failed attempt; doubled after each further one (10 attempts ≈ 5.7 hours at 40 s). */
  retryBaseMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 40_000 }),
  /** How long a receiver has to answer. */
  timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** Failed attempts in a row (no success between) after which an endpoint is switched off. */
  disableAfterFailures: Type.Integer({ minimum: 1, maximum: 100_000, default: 50 }),
  /** Finished deliveries (and the message texts in them) are deleted after this many days. */
  keepDeliveriesDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  /** How often to look for deliveries whose job was lost (Redis outage) and for expired ones. */
  sweepIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 })
}, { additionalProperties: false })

export type WebhookOptions = Static<typeof webhookOptions>

/** The validated options: subscribers and jobs receive the context typed without them. */
export function optionsOf (ctx: Pick<PluginContext<any>, 'options'>): WebhookOptions {
  return ctx.options as WebhookOptions
}

/** The trusted origins as the SSRF guard compares them (`URL.origin`); malformed entries are dropped. */
export function trustedOrigins (options: Pick<WebhookOptions, 'trustedOrigins'>): string[] {
  return options.trustedOrigins.flatMap(o => {
    try {
      return [new URL(o).origin]
    } catch {
      return []
    }
  })
}
