// @openline/plugin-automation: working hours (C1–C3) and consent (D1) of open channels; the
// automatic actions (E) join as further features.
import { definePlugin } from '@openline/sdk'
import { composeFeatures, type AutomationFeature } from './feature.ts'
import { workingHoursFeature } from './workingHoursFeature.ts'
import { consentFeature } from './consentFeature.ts'
import { migrations } from './migrations.ts'

export * from './workingHours.ts'
export * from './consent.ts'
export { workingHoursStatus, type WorkingHoursStatus } from './workingHoursFeature.ts'
export type { AutomationFeature } from './feature.ts'

/** Every feature of the plugin, in order. */
export const features: AutomationFeature[] = [workingHoursFeature, consentFeature]

const composed = composeFeatures(features)

export const automationPlugin = definePlugin({
  name: 'automation',
  version: '0.1.0',
  core: '^0.1.0',
  migrations,
  provides: { settingsGroups: composed.settingsGroups },
  on: composed.on,
  jobs: composed.jobs,
  graphql: { agent: composed.agentGraphQL }
})

export default automationPlugin
