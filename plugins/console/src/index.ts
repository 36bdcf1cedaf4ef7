import { definePlugin } from '@openline/sdk'
import { registerConsoleRoutes } from './routes.ts'

export { contentSecurityPolicy, securityHeaders } from './headers.ts'

/**
 * Serves the agent console (a client of the agent GraphQL API) at `/plugins/console/`: the page,
 * `app.js` and `app.css`, bundled by esbuild in memory when first asked for.
 */
export const consolePlugin = definePlugin({
  name: 'console',
  version: '0.1.0',
  core: '^0.1.0',
  routes (app, ctx) {
    registerConsoleRoutes(app, ctx)
  }
})

export default consolePlugin
