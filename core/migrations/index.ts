import type { MigrationObject } from '@mikro-orm/core'
import { Migration0001Initial } from './0001_initial.ts'
import { Migration0002IngestFunction } from './0002_ingest_function.ts'
import { Migration0003Routing } from './0003_routing.ts'
import { Migration0004ReachableAgain } from './0004_reachable_again.ts'
import { Migration0005ConversationActions } from './0005_conversation_actions.ts'
import { Migration0006RoutingMembers } from './0006_routing_members.ts'

// Listed explicitly (no directory scanning): order is the order of application.
export const coreMigrations: MigrationObject[] = [
  { name: '0001_initial', class: Migration0001Initial },
  { name: '0002_ingest_function', class: Migration0002IngestFunction },
  { name: '0003_routing', class: Migration0003Routing },
  { name: '0004_reachable_again', class: Migration0004ReachableAgain },
  { name: '0005_conversation_actions', class: Migration0005ConversationActions },
  { name: '0006_routing_members', class: Migration0006RoutingMembers }
]
