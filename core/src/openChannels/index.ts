export {
  createOpenChannel, renameOpenChannel, setOpenChannelActive, setOpenChannelLanguage, updateOpenChannelSettings,
  deleteOpenChannel, getOpenChannel, listOpenChannels, lockOpenChannel, toOpenChannelRecord, toOpenChannelView, isId
} from './openChannels.ts'
export type { OpenChannelRow, OpenChannelView } from './openChannels.ts'
export {
  connectChannel, disconnectChannel, connectionSecrets, getConnection, getConnectionWithSecrets, listConnections,
  toConnectionRecord, toConnectionView, splitSecrets, webhookUrl, connectFailedCode
} from './connections.ts'
export type { ConnectionRow, ConnectionView } from './connections.ts'
export {
  validateSettingsGroup, listSettingsGroups, settingsWithDefaults, settingsGroupExists, coreSettingsGroups,
  openChannelLanguages, isOpenChannelLanguage
} from './settings.ts'
export type { OpenChannelLanguage, SettingsGroupDescription, SettingsGroupChoice } from './settings.ts'
export { openChannelsGraphql } from './graphql.ts'
