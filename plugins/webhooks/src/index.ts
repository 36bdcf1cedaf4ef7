// @openline/plugin-webhooks: outgoing webhooks for integrations (ROADMAP L2). Admins register
// endpoints; conversation and public message events reach them as signed JSON POSTs, recorded
// durably and retried. Internal notes never leave through a webhook.
import { definePlugin } from '@openline/sdk'
import { migrations } from './migrations.ts'
import { webhookOptions } from './options.ts'
import { subscribers } from './subscribers.ts'
import { deliver } from './deliver.ts'
import { deliverJob } from './outgoing.ts'
import { typeDefs } from './schema.ts'
import { webhookResolvers } from './graphql.ts'
import { startSweeper, stopSweeper } from './sweeper.ts'

export { migrations, webhookOptions }
export { webhookEvents, pingEvent } from './catalog.ts'
export { signatureOf } from './signature.ts'
export type { WebhookOptions } from './options.ts'
export type { Envelope, PublicMessage, PublicAttachment } from './payloads.ts'

export const webhooksPlugin = definePlugin({
  name: 'webhooks',
  version: '0.1.0',
  core: '^0.1.0',
  options: webhookOptions,
  migrations,
  on: subscribers,
  jobs: { [deliverJob]: deliver },
  graphql: { agent: (ctx) => ({ typeDefs, resolvers: webhookResolvers(ctx) }) },
  setup: startSweeper,
  teardown: stopSweeper
})

export default webhooksPlugin
