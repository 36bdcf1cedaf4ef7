// A loopback port free right now: for an app whose public URL must name its port before it listens
// (connectors that call their own webhook while connecting, e.g. Viber's set_webhook check).
import { createServer } from 'node:net'

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
