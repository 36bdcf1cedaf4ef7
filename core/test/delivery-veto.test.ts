import t from 'tap'
import { definePlugin, veto } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, until } from '@openline/testing'

// A message.beforeDeliver hook that vetoes a delivery fails it at once: no retries, no stuck row.
const vetoer = definePlugin({
  name: 'delivery-vetoer',
  version: '0.1.0',
  core: '>=0.1.0',
  hooks: {
    'message.beforeDeliver': ({ delivery }) => {
      if (delivery.body.includes('forbidden')) throw veto('FORBIDDEN_WORD', 'contains a forbidden word')
      delivery.body = delivery.body.toUpperCase()
    }
  }
})

t.test('a vetoed delivery fails without retries; an allowed one is changed by the hook', async (t) => {
  const provider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [testConnectorPlugin, vetoer] })
  t.teardown(async () => { await h.close(); await provider.close() })
  const admin = await h.login(h.admin.email, h.admin.password)
  const channel = await createTestChannel(h, admin, provider, { name: 'Veto' })
  const { conversationId } = await channel.inbound('client-v')
  const send = async (body: string): Promise<string> => (await admin.query('mutation($c: ID!, $b: String!) { sendMessage(conversationId: $c, body: $b) { id } }', { c: conversationId, b: body })).data.sendMessage.id
  const blocked = await send('a forbidden reply')
  const allowed = await send('a fine reply')
  const status = async (id: string): Promise<{ delivery_status: string, attempts: number, last_error: string | null }> =>
    ((await h.core.orm.em.fork().execute('select m.delivery_status, o.attempts, o.last_error from messages m join outbox o on o.message_id = m.id where m.id = ?', [id])) as any[])[0]
  const failed = await until('vetoed delivery failed', () => status(blocked), s => s.delivery_status === 'failed')
  t.equal(failed.attempts, 1, 'one attempt, no retries')
  t.match(failed.last_error, /vetoed: contains a forbidden word/)
  await until('allowed delivery sent', () => status(allowed), s => s.delivery_status === 'sent')
  t.same(provider.sent().map(s => s.text), ['A FINE REPLY'], 'the hook changed the body; the vetoed one never reached the provider')
})
