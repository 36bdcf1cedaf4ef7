import t from 'tap'
import { definePlugin, type PluginContext } from '@openline/sdk'
import { buildTestApp, testConnectorPlugin, startFakeProvider, createTestChannel, until } from '@openline/testing'

// Provider receipts reach messages through ctx.messages.setDeliveryStatus, forward only.
let ctx: PluginContext | undefined
const receipts = definePlugin({ name: 'receipt-fixture', version: '0.1.0', core: '>=0.1.0', setup: (c) => { ctx = c } })

t.test('receipts move a delivery forward, never back', async (t) => {
  const provider = await startFakeProvider()
  const h = await buildTestApp({ plugins: [testConnectorPlugin, receipts] })
  t.teardown(async () => { await h.close(); await provider.close() })
  const admin = await h.login(h.admin.email, h.admin.password)
  const channel = await createTestChannel(h, admin, provider, { name: 'Receipts' })
  const { conversationId } = await channel.inbound('client-r')
  const sub = await admin.subscribe('subscription($c: ID) { messageDelivery(conversationId: $c) { messageId status } }', { c: conversationId })
  const sent = await admin.query('mutation($c: ID!) { sendMessage(conversationId: $c, body: "hi") { id } }', { c: conversationId })
  const id = sent.data.sendMessage.id
  const row = async (): Promise<{ delivery_status: string, external_id: string | null }> => ((await h.core.orm.em.fork().execute('select delivery_status, external_id from messages where id = ?', [id])) as any[])[0]
  const { external_id: externalMessageId } = await until('sent', row, r => r.delivery_status === 'sent')
  t.same((await sub.next()).data?.messageDelivery, { messageId: id, status: 'sent' })
  const set = (status: 'delivered' | 'read' | 'failed'): Promise<boolean> => ctx!.messages.setDeliveryStatus({ connectionId: channel.connectionId, externalMessageId: externalMessageId!, status })
  t.equal(await set('read'), true)
  t.same((await sub.next()).data?.messageDelivery, { messageId: id, status: 'read' }, 'pushed to agents')
  t.equal(await set('delivered'), false, 'a late "delivered" does not move read back')
  t.equal(await set('failed'), false, 'failed only before delivery')
  t.equal((await row()).delivery_status, 'read')
  t.equal(await ctx!.messages.setDeliveryStatus({ connectionId: channel.connectionId, externalMessageId: 'unknown', status: 'read' }), false)
  sub.close()
})
