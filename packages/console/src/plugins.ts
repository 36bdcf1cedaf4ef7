// Issue #6 features registered with the console's registries (columns, actions). Each shows only
// when the server's schema has what it needs, so importing them all is safe on any server.
import './ratings/column.tsx'
import './kpi/columns.tsx'
import './pluginActions.ts'
