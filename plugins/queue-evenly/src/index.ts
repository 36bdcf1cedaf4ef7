import { definePlugin } from '@openline/sdk'
import { evenlyStrategy } from './strategy.ts'

export { evenlyStrategy, evenlySettings } from './strategy.ts'
export { orderEvenly } from './order.ts'

export default definePlugin({
  name: 'queue-evenly',
  version: '0.1.0',
  core: '^0.1.0',
  provides: { queueStrategies: [evenlyStrategy] }
})
