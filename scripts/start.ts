// Starts the whole platform on this machine with the demo dataset (called by ./scripts/start).
import { buildApp, loadConfig } from '@openline/core'
import { ensureDatabase, exitWithError } from './lib/database.ts'
import { seedDemo } from './lib/seed.ts'

try {
  const config = loadConfig()
  await ensureDatabase(config.databaseUrl)
  const app = await buildApp(config, { migrate: true })
  const creds = await seedDemo(app.core)
  await app.listen({ port: config.port, host: config.host })
  const url = config.publicUrl
  console.log(`
  Openline is running at ${url}
    Agent console    ${url}/plugins/console/
${creds.widgetKey !== null ? `    Web chat demo    ${url}/plugins/channel-webchat/demo/${creds.widgetKey}\n` : ''}    GraphQL API      ${url}/graphql${config.environment !== 'production' ? `   (GraphiQL: ${url}/graphiql)` : ''}
    Health           ${url}/health/ready
    Metrics          ${url}/metrics

  Demo sign-in (mutation { login(email, password) { token } }):
    admin            ${creds.admin.email} / ${creds.admin.password}
${creds.agents.map(a => `    agent            ${a.email} / ${a.password}`).join('\n')}
  `)
  const stop = async (): Promise<void> => {
    await app.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (err) {
  exitWithError(err)
}
