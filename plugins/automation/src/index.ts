// @openline/plugin-automation: working hours (C1–C3), consent (D1) and the automatic actions
// (E1, E3–E8, B8 waiting texts) of open channels, with their texts in five languages.
import { definePlugin, Type } from '@openline/sdk'
import { composeFeatures, type AutomationFeature } from './feature.ts'
import { workingHoursFeature } from './workingHoursFeature.ts'
import { consentFeature } from './consentFeature.ts'
import { actionsFeature } from './actionsFeature.ts'
import { consentButtonFeature } from './consentButton.ts'
import { migrations } from './migrations.ts'
import { defaultMinuteMs, setRuntime } from './runtime.ts'

export * from './workingHours.ts'
export * from './consent.ts'
export * from './automaticActions.ts'
export { textKeys, textLanguages, pickLanguage, shippedText, type TextKey, type TextLanguage, type TextVars } from './texts.ts'
export { jobNames, timerKeys, autoCloseReason } from './actions.ts'
export { workingHoursStatus, type WorkingHoursStatus } from './workingHoursFeature.ts'
export type { AutomationFeature } from './feature.ts'
export type { AutomationOptions } from './runtime.ts'

/** Every feature of the plugin, in order. */
export const features: AutomationFeature[] = [workingHoursFeature, consentFeature, actionsFeature, consentButtonFeature]

const composed = composeFeatures(features)

export const automationOptions = Type.Object({
  /** Milliseconds in a settings "minute" (and 60 of them in a `holdAfterCloseSec` minute); tests shorten it. */
  minuteMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: defaultMinuteMs })
})

export const automationPlugin = definePlugin({
  name: 'automation',
  version: '0.1.0',
  core: '^0.1.0',
  options: automationOptions,
  migrations,
  provides: { settingsGroups: composed.settingsGroups },
  hooks: composed.hooks,
  on: composed.on,
  jobs: composed.jobs,
  graphql: { agent: composed.agentGraphQL },
  setup: (ctx) => { setRuntime(ctx) }
})

export default automationPlugin
