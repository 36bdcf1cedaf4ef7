import { lookup as dnsLookup } from 'node:dns'
import { Agent, fetch as undiciFetch } from 'undici'
import ipaddr from 'ipaddr.js'
import { OpenlineError, errorCodes } from '@openline/sdk'

export const ssrfBlockedCode = errorCodes.ssrfBlocked
export const tooLargeCode = errorCodes.fileTooLarge

/** Only public unicast addresses may be reached from URLs we did not configure ourselves. */
export function isPublicAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range() === 'unicast'
}

// The check runs on the address actually connected to, so DNS rebinding cannot slip past it.
const guardedAgent = new Agent({
  connect: {
    lookup (hostname, options, callback) {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err !== null) return callback(err, '', 4)
        const list = addresses as unknown as { address: string, family: number }[]
        const blocked = list.find(a => !isPublicAddress(a.address))
        if (blocked !== undefined) return callback(new OpenlineError(ssrfBlockedCode, `Refusing to connect to ${hostname} (${blocked.address}): not a public address`, { statusCode: 400 }) as any, '', 4)
        if ((options as { all?: boolean }).all === true) return (callback as any)(null, list)
        callback(null, list[0].address, list[0].family)
      })
    }
  }
})
const plainAgent = new Agent()

export interface SafeFetchOptions {
  /** Origins configured by an admin (the provider's API base URL): reachable even on loopback/private addresses. */
  trustedOrigins?: string[]
  maxBytes: number
  headers?: Record<string, string>
  method?: string
  body?: string
  timeoutMs?: number
}

/**
 * Fetch a file for a connector: http(s) only, no redirects, a byte limit enforced while reading,
 * and — unless the URL's origin is one an admin configured — only public addresses (SSRF).
 */
export async function safeFetch (url: string, options: SafeFetchOptions): Promise<{ status: number, headers: Headers, data: Buffer }> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new OpenlineError(ssrfBlockedCode, 'Not a URL', { statusCode: 400 })
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new OpenlineError(ssrfBlockedCode, `Refusing ${target.protocol} URLs`, { statusCode: 400 })
  if (target.username !== '' || target.password !== '') throw new OpenlineError(ssrfBlockedCode, 'Refusing URLs with credentials', { statusCode: 400 })
  const trusted = (options.trustedOrigins ?? []).some(o => { try { return new URL(o).origin === target.origin } catch { return false } })
  if (!trusted && ipaddr.isValid(target.hostname.replace(/^\[|\]$/g, '')) && !isPublicAddress(target.hostname.replace(/^\[|\]$/g, ''))) {
    throw new OpenlineError(ssrfBlockedCode, `Refusing to fetch from ${target.hostname}: not a public address`, { statusCode: 400 })
  }
  let res: Awaited<ReturnType<typeof undiciFetch>>
  try {
    res = await undiciFetch(target, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      redirect: 'manual',
      dispatcher: trusted ? plainAgent : guardedAgent,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000)
    })
  } catch (err) {
    // undici wraps the refusal from our lookup in "fetch failed": surface the coded error.
    const cause = (err as { cause?: unknown }).cause
    if (cause instanceof OpenlineError) throw cause
    throw err
  }
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > options.maxBytes) {
    await res.body?.cancel()
    throw new OpenlineError(tooLargeCode, `File of ${declared} bytes is over the ${options.maxBytes}-byte limit`, { statusCode: 413 })
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > options.maxBytes) throw new OpenlineError(tooLargeCode, `File is over the ${options.maxBytes}-byte limit`, { statusCode: 413 })
    chunks.push(Buffer.from(chunk))
  }
  return { status: res.status, headers: res.headers as unknown as Headers, data: Buffer.concat(chunks) }
}
