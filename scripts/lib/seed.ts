import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { auth, openChannels, type Core } from '@openline/core'

export interface DemoCredentials {
  admin: { email: string, password: string }
  agents: { email: string, password: string }[]
}

const credentialsFile = new URL('../../var/demo-credentials.json', import.meta.url)

function storedCredentials (): DemoCredentials {
  if (existsSync(credentialsFile)) return JSON.parse(readFileSync(credentialsFile, 'utf8'))
  const password = (): string => randomBytes(9).toString('base64url')
  const creds: DemoCredentials = {
    admin: { email: 'admin@openline.local', password: password() },
    agents: [{ email: 'ana@openline.local', password: password() }, { email: 'bruno@openline.local', password: password() }]
  }
  mkdirSync(new URL('.', credentialsFile), { recursive: true })
  writeFileSync(credentialsFile, JSON.stringify(creds, null, 2), { mode: 0o600 })
  return creds
}

async function userId (core: Core, email: string): Promise<string | null> {
  const rows = await (core.orm.em.fork() as any).execute('select id::text from users where email = ?', [email]) as { id: string }[]
  return rows[0]?.id ?? null
}

/**
 * The demo dataset: an admin, two agents, a department with both agents and an open channel.
 * Idempotent: what exists is left alone; passwords live in var/demo-credentials.json (git-ignored).
 */
export async function seedDemo (core: Core): Promise<DemoCredentials & { widgetKey: string | null }> {
  const creds = storedCredentials()
  if (await userId(core, creds.admin.email) === null) {
    await auth.createUser(core, { email: creds.admin.email, name: 'Demo Admin', password: creds.admin.password, role: 'admin' })
  }
  const names = ['Ana Souza', 'Bruno Kowalski']
  const agentIds: string[] = []
  for (const [i, agent] of creds.agents.entries()) {
    agentIds.push(await userId(core, agent.email) ?? (await auth.createUser(core, { email: agent.email, name: names[i], password: agent.password, role: 'agent' })).id)
  }
  const departments = await auth.listDepartments(core)
  let support = departments.find(d => d.name === 'Support')
  if (support === undefined) support = await auth.createDepartment(core, { name: 'Support' })
  for (const id of agentIds) {
    if (!support.memberIds.includes(id)) support = await auth.addDepartmentMember(core, support.id, id)
  }
  const channels = await openChannels.listOpenChannels(core)
  let channel = channels.find(c => c.name === 'Customer support')
  if (channel === undefined) {
    channel = await openChannels.createOpenChannel(core, { name: 'Customer support', language: 'en' })
    // With the evenly strategy loaded (the default configuration), the Support department answers it.
    if (core.registry.queueStrategies.has('evenly')) {
      await openChannels.updateOpenChannelSettings(core, channel.id, 'queue', { strategy: 'evenly', members: [{ departmentId: support.id }] })
    }
  }
  // A web-chat widget on the demo channel, so a visitor can write at once (demo page printed at start).
  let widgetKey: string | null = null
  if (core.registry.connectors.has('webchat')) {
    const connections = await openChannels.listConnections(core, channel.id)
    widgetKey = connections.find(c => c.connector === 'webchat')?.externalAccountId ??
      (await openChannels.connectChannel(core, { openChannelId: channel.id, connector: 'webchat', settings: { title: 'Customer support' } })).externalAccountId
  }
  return { ...creds, widgetKey }
}
