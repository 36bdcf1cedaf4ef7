import { definePlugin } from '@openline/sdk'
import { inOrderStrategy } from './strategy.ts'

export { inOrderStrategy, inOrderSettings, defaultIdleTimeoutSec } from './strategy.ts'
export { orderInQueue } from './order.ts'

export default definePlugin({
  name: 'queue-in-order',
  version: '0.1.0',
  core: '^0.1.0',
  provides: { queueStrategies: [inOrderStrategy] }
})
