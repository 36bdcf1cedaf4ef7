import { definePlugin } from '@openline/sdk'
import { toAllStrategy } from './strategy.ts'

export { toAllStrategy, toAllSettings } from './strategy.ts'
export { orderByPosition } from './order.ts'

export default definePlugin({
  name: 'queue-to-all',
  version: '0.1.0',
  core: '^0.1.0',
  provides: { queueStrategies: [toAllStrategy] }
})
