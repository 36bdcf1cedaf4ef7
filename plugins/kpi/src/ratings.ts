// The clients' likes and dislikes and the supervisors' stars come from the ratings plugin (issue #6)
// when it is loaded. Nothing of that plugin is imported: it is recognised by its settings group and
// read with SQL from its table `ratings_scores` (one row per rated conversation: `client_value`
// like | dislike, `stars` 1–5), which exists exactly when the plugin is loaded (its migrations ran).
import type { PluginContext } from '@openline/sdk'

/** The ratings plugin's settings group: in the registry exactly when that plugin is loaded. */
export const ratingsGroupId = 'quality'

// Keyed on the plugin context: two apps in one process (tests) each decide for themselves.
const withRatings = new WeakSet<object>()

/**
 * Called in `setup`: every plugin's contributions are registered by then, and `optionalDependsOn`
 * has set the ratings plugin up first.
 */
export function detectRatings (ctx: PluginContext<any>): void {
  if (ctx.registry.settingsGroup(ratingsGroupId) !== undefined) withRatings.add(ctx)
  else withRatings.delete(ctx)
}

/** Whether `ratings_scores` may be read for the app of this plugin context. */
export function ratingsLoaded (ctx: object): boolean {
  return withRatings.has(ctx)
}
