// Signing outgoing requests: receivers verify `X-Openline-Signature` with the endpoint's secret.
import { createHmac, randomBytes } from 'node:crypto'

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the timestamp is signed so a captured request cannot be replayed later. */
export function signatureOf (secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

/** 256 random bits; the prefix makes a leaked secret recognisable to secret scanners. */
export function newSecret (): string {
  return 'whsec_' + randomBytes(32).toString('base64url')
}
