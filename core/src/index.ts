// Public API of @openline/core: what scripts, the test harness and deployments use.
export { buildApp, type BuildOptions, type PluginEntry } from './app.ts'
export { loadConfig, validateConfig, configSchema, type Config, type ConfigInput } from './config.ts'
export { openOrm, migrate, migrationList } from './db/orm.ts'
export type { Core, AgentGraphQLContext, Registry, JobPort } from './core.ts'
export { coreVersion } from './version.ts'
export { topics } from './topics.ts'
export * as auth from './auth/index.ts'
export * as openChannels from './openChannels/index.ts'
