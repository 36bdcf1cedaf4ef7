// @openline/plugin-channel-webchat: the `webchat` connector, the visitor API the embeddable widget
// talks to, visitor uploads, and the widget script itself.
import { definePlugin } from '@openline/sdk'
import { webchatConnector } from './connector.ts'
import { migrations } from './migrations.ts'
import { optionsSchema } from './options.ts'
import { visitorGraphql } from './visitorGraphql.ts'
import { registerUploads } from './uploads.ts'
import { registerAssets } from './assets.ts'

export { webchatConnector } from './connector.ts'
export { settingsSchema, originAllowed, type WebchatSettings } from './settings.ts'
export { optionsSchema, defaultDeniedExtensions, type WebchatOptions } from './options.ts'
export { visitorTopic, type VisitorEvent, type VisitorEventKind } from './push.ts'
export { buttonsOf } from './buttons.ts'

export const pluginName = 'channel-webchat'

export const webchatPlugin = definePlugin({
  name: pluginName,
  version: '0.1.0',
  core: '>=0.1.0',
  // Working hours (C3) and the consent notice come from automation when it is loaded.
  optionalDependsOn: ['automation'],
  options: optionsSchema,
  migrations,
  provides: { channels: [webchatConnector] },
  graphql: { visitor: visitorGraphql },
  async routes (app, ctx) {
    registerAssets(app, ctx)
    await registerUploads(app, ctx)
  }
})

export default webchatPlugin
