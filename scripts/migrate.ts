// Applies pending core and plugin migrations to the configured database (npm run migrate).
import { buildApp, loadConfig } from '@openline/core'
import { ensureDatabase, exitWithError } from './lib/database.ts'

try {
  const config = loadConfig()
  await ensureDatabase(config.databaseUrl)
  // Booting with migrate: true loads the configured plugins, so their migrations run too.
  const app = await buildApp({ ...config, jobs: { ...config.jobs, process: false } }, { migrate: true })
  await app.close()
  console.log('[openline] database is up to date')
} catch (err) {
  exitWithError(err)
}
