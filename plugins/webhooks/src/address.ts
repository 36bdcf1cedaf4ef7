// Creation-time check of endpoint hosts written as IP literals. The real SSRF guard runs at every
// delivery (`ctx.files.fetch` checks the address actually connected to); this one only spares an
// admin an endpoint that could never be reached.
import { BlockList, isIP } from 'node:net'

// One list per family: a single BlockList would match every IPv4 address against the IPv4-mapped
// IPv6 range below.
const notPublicV4 = new BlockList()
const notPublicV6 = new BlockList()
const v4: [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
]
// `::/96` covers the unspecified and loopback addresses and IPv4-compatible ones; IPv4-mapped
// addresses are refused as a whole rather than unpacked.
const v6: [string, number][] = [
  ['::', 96], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]
]
for (const [net, prefix] of v4) notPublicV4.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of v6) notPublicV6.addSubnet(net, prefix, 'ipv6')

/** True when `hostname` (as `URL.hostname` gives it) is an IP literal outside the public unicast space. */
export function isNonPublicLiteral (hostname: string): boolean {
  const address = hostname.replace(/^\[|\]$/g, '')
  const family = isIP(address)
  if (family === 0) return false
  return family === 4 ? notPublicV4.check(address, 'ipv4') : notPublicV6.check(address, 'ipv6')
}
