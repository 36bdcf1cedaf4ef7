import argon2 from 'argon2'
import { OpenlineError, errorCodes } from '@openline/sdk'

export const passwordMinLength = 10
export const passwordMaxLength = 256

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong enough, and cheap enough that a
// login burst does not exhaust the server's memory. The parameters live in each hash, so they
// can be raised later without breaking stored hashes.
const hashOptions = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

/** Throws OL_VALIDATION (on `path`) unless `plain` is an acceptable password. */
export function validatePassword (plain: unknown, path = '/password'): asserts plain is string {
  if (typeof plain !== 'string' || plain.length < passwordMinLength || plain.length > passwordMaxLength) {
    const message = `must be ${passwordMinLength} to ${passwordMaxLength} characters long`
    throw new OpenlineError(errorCodes.validation, `Password ${message}`, { fields: [{ path, message }] })
  }
}

/** argon2id hash of a valid password (validation error otherwise). */
export async function hashPassword (plain: string): Promise<string> {
  validatePassword(plain)
  return argon2.hash(plain, hashOptions)
}

/** False for a wrong password, an over-long input (never hashed: cheap to refuse) or a broken hash. */
export async function verifyPassword (hash: string, plain: string): Promise<boolean> {
  if (typeof plain !== 'string' || plain.length === 0 || plain.length > passwordMaxLength) return false
  try {
    return await argon2.verify(hash, plain)
  } catch {
    return false
  }
}

let dummy: Promise<string> | undefined

/**
 * Spend the time of one verification when there is no user to check against, so a login for an
 * unknown e-mail takes as long as one with a wrong password (no user enumeration by timing).
 */
export async function burnVerification (plain: string): Promise<void> {
  dummy ??= argon2.hash('openline-no-such-user-password', hashOptions)
  await verifyPassword(await dummy, plain)
}
