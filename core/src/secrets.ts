import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { OpenlineError } from '@openline/sdk'
import type { Secrets } from './core.ts'

/** Raised when a sealed value was altered, truncated or sealed with another key. */
export const secretsInvalidCode = 'OL_SECRETS_INVALID'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

// One derived key per purpose: the raw secretKey also signs session tokens, so it is never
// used as the cipher key directly.
function deriveKey (secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'openline', 'openline:secrets:v1', 32))
}

function invalid (message: string, cause?: unknown): OpenlineError {
  return new OpenlineError(secretsInvalidCode, message, { statusCode: 500, cause })
}

/**
 * Seal small secret objects (connector tokens) with AES-256-GCM. Output:
 * `v1.<iv>.<tag>.<ciphertext>`, each part base64url. The version is bound as additional data,
 * so a sealed value cannot be replayed under another format.
 */
export function createSecrets (secretKey: string): Secrets {
  if (typeof secretKey !== 'string' || secretKey.length < 16) {
    throw new OpenlineError('OL_CONFIG_INVALID', 'secretKey must be at least 16 characters to seal secrets')
  }
  const key = deriveKey(secretKey)
  const aad = Buffer.from(VERSION)

  return {
    seal (value) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(aad)
      const plaintext = Buffer.from(JSON.stringify(value ?? {}), 'utf8')
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
      const tag = cipher.getAuthTag()
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.')
    },
    open (sealed) {
      const parts = typeof sealed === 'string' ? sealed.split('.') : []
      if (parts.length !== 4 || parts[0] !== VERSION) throw invalid('Sealed secret has an unknown format')
      const iv = Buffer.from(parts[1], 'base64url')
      const tag = Buffer.from(parts[2], 'base64url')
      const ciphertext = Buffer.from(parts[3], 'base64url')
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw invalid('Sealed secret has an unknown format')
      let plaintext: string
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
        decipher.setAAD(aad)
        decipher.setAuthTag(tag)
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
      } catch (err) {
        throw invalid('Sealed secret was tampered with or sealed with another key', err)
      }
      const value: unknown = JSON.parse(plaintext)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('Sealed secret is not an object')
      return value as Record<string, unknown>
    }
  }
}
