// Form links carry a signed token bound to one send (conversation + form) and its expiry: without
// the key nobody can make or alter one, so a guessed or edited link is simply unknown.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Id, PluginContext } from '@openline/sdk'
import { rows } from '../db.ts'

export interface SendBinding {
  sendId: Id
  conversationId: Id
  formId: Id
  /** Seconds since the epoch. */
  expiresAt: number
}

const tokenPattern = /^([1-9]\d{0,18})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/

function signature (secret: string, b: SendBinding): Buffer {
  return createHmac('sha256', secret).update(`openline-crm-form:${b.sendId}:${b.conversationId}:${b.formId}:${b.expiresAt}`).digest()
}

export function signToken (secret: string, binding: SendBinding): string {
  return `${binding.sendId}.${binding.expiresAt}.${signature(secret, binding).toString('base64url')}`
}

/** The send id and expiry a token names, before its signature is checked against the stored send. */
export function parseToken (token: string): { sendId: Id, expiresAt: number, signature: Buffer } | null {
  const m = tokenPattern.exec(token)
  return m === null ? null : { sendId: m[1], expiresAt: Number(m[2]), signature: Buffer.from(m[3], 'base64url') }
}

export function signatureMatches (secret: string, binding: SendBinding, given: Buffer): boolean {
  const expected = signature(secret, binding)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The signing key: the configured one, else one made at first start and shared through the database. */
export async function loadSecret (ctx: PluginContext<any>, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured
  await ctx.transaction(tx => tx.query("insert into crm_secrets (name, value) values ('formLinks', ?) on conflict do nothing", [randomBytes(32).toString('base64url')]))
  const [row] = await rows<{ value: string }>(ctx, "select value from crm_secrets where name = 'formLinks'")
  return row.value
}
