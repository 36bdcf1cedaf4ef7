// Bulk seeding for benchmarks, straight in SQL: thousands of agents in one statement instead of
// one API call (and one password hash) each. These agents never sign in.
import type pg from 'pg'

/**
 * `count` active users with the built-in agent role, each last assigned a conversation at some
 * time in the past three hours (as in a queue that has been working); returns their ids in
 * creation order.
 */
export async function seedAgents (pool: pg.Pool, count: number, tag: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(`
    with created as (
      insert into users (email, name, password_hash, role_id, last_assigned_at)
      select 'agent-' || g || '-' || $1 || '@bench.test', 'Agent ' || g, 'not-a-password-hash', (select id from roles where name = 'agent'),
             now() - random() * interval '3 hours'
        from generate_series(1, $2::int) g
      returning id)
    select id::text from created order by id`, [tag, count])
  if (rows.length !== count) throw new Error(`seeded ${rows.length} of ${count} agents`)
  return rows.map(r => r.id)
}

/** A department with these members; returns its id. */
export async function createDepartment (pool: pg.Pool, name: string, userIds: string[]): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('insert into departments (name) values ($1) returning id::text', [name])
  await pool.query('insert into department_members (department_id, user_id) select $1, unnest($2::bigint[])', [rows[0].id, userIds])
  return rows[0].id
}
