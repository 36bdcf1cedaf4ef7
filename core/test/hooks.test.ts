import t from 'tap'
import { definePlugin, veto } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel } from '@openline/testing'

// The ingest-side hooks, run inside the ingest transaction: a throw cancels the message.
const seen: string[] = []
const hooks = definePlugin({
  name: 'hook-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  hooks: {
    // I2-like: a second identity of a known person joins the existing client.
    'client.identify': async (p) => {
      seen.push('identify')
      if (p.inbound.externalUserId.startsWith('same-person')) {
        const [known] = await p.tx.query<{ client_id: string }>("select client_id::text from client_identities where external_user_id = 'same-person-1'")
        if (known !== undefined && known.client_id !== p.clientId) p.clientId = known.client_id
      }
    },
    'conversation.beforeOpen': (p) => {
      seen.push(`open:${p.openChannel.name}`)
      if (p.inbound?.text === 'block me') throw veto('BLOCKED', 'not accepted here')
    },
    'message.beforeStore': (p) => {
      p.message.body = p.message.body.replaceAll('4111111111111111', '[card number removed]')
    }
  }
})

t.test('ingest hooks: identify, veto on open, rewrite before store', async (t) => {
  const provider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [testConnectorPlugin, hooks] })
  t.teardown(async () => { await h.close(); await provider.close() })
  const admin = await h.login(h.admin.email, h.admin.password)
  const a = await createTestChannel(h, admin, provider, { name: 'Hooks A' })
  const b = await createTestChannel(h, admin, provider, { name: 'Hooks B' })
  const sql = (q: string, p: unknown[] = []): Promise<any[]> => h.core.orm.em.fork().execute(q, p) as Promise<any[]>

  const first = await a.inbound('same-person-1', 'my card is 4111111111111111')
  const [stored] = await sql('select body from messages where id = ?', [first.messageId])
  t.equal(stored.body, 'my card is [card number removed]', 'message.beforeStore rewrote the body before anyone saw it')
  t.same(seen.slice(0, 2), ['identify', 'open:Hooks A'])

  const second = await b.inbound('same-person-2', 'hello again from another channel')
  t.equal(second.conversationOpened, true)
  const clients = await sql("select count(distinct client_id)::int as n from client_identities where external_user_id like 'same-person-%'")
  t.equal(clients[0].n, 1, 'client.identify linked the new identity to the known client')
  const [conv] = await sql('select client_id::text from conversations where id = ?', [second.conversationId])
  const [firstConv] = await sql('select client_id::text from conversations where id = ?', [first.conversationId])
  t.equal(conv.client_id, firstConv.client_id, 'and its conversation')
  const orphans = await sql('select count(*)::int as n from clients c where not exists (select 1 from client_identities i where i.client_id = c.id)')
  t.equal(orphans[0].n, 0, 'the provisional client row is gone')

  const before = await sql('select count(*)::int as n from messages')
  const raw = JSON.stringify({ userId: 'blocked-1', messageId: 'blocked-msg', text: 'block me' })
  const { sign } = await import('@openline/testing')
  const res = await fetch(`${h.url}/plugins/test-connector/webhook/${a.connectionId}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-signature': sign('test-channel-secret', raw) }, body: raw })
  t.equal(res.status, 409, 'the veto answers with its code')
  t.equal((await res.json() as any).error, 'OL_VETO_BLOCKED')
  const after = await sql('select count(*)::int as n from messages')
  t.equal(after[0].n, before[0].n, 'nothing was stored: the whole ingest rolled back')
  t.equal((await sql("select count(*)::int as n from client_identities where external_user_id = 'blocked-1'"))[0].n, 0)
})
