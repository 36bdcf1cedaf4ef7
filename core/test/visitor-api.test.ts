import t from 'tap'
import { definePlugin, type VisitorContext } from '@openline/sdk'
import { buildTestApp } from '@openline/testing'

const widgetLike = definePlugin({
  name: 'visitor-fixture',
  version: '0.1.0',
  core: '>=0.1.0',
  graphql: {
    visitor: () => ({
      typeDefs: 'extend type Query { whoAmI: String }',
      resolvers: { Query: { whoAmI: (_: unknown, __: unknown, ctx: VisitorContext) => ctx.visitor.token } }
    })
  }
})

async function visitorQuery (url: string, query: string, token?: string): Promise<{ status: number, body: any }> {
  const res = await fetch(`${url}/visitor/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query })
  })
  return { status: res.status, body: await res.json() }
}

t.test('without visitor extensions there is no visitor endpoint', async (t) => {
  const h = await buildTestApp()
  t.teardown(() => h.close())
  const res = await fetch(`${h.url}/visitor/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ version }"}' })
  t.equal(res.status, 404)
})

t.test('the visitor schema holds only what plugins put there', async (t) => {
  const h = await buildTestApp({ plugins: [widgetLike] })
  t.teardown(() => h.close())
  const who = await visitorQuery(h.url, '{ whoAmI }', 'visitor-token-1')
  t.equal(who.body.data.whoAmI, 'visitor-token-1')
  // Staff types do not exist in this schema: they cannot be asked for, by name or by introspection.
  for (const name of ['Message', 'Conversation', 'User', 'Role', 'OpenChannel']) {
    const type = await visitorQuery(h.url, `{ __type(name: "${name}") { name } }`)
    t.equal(type.body.data.__type, null, `${name} is absent`)
  }
  const staffQuery = await visitorQuery(h.url, '{ me { id } }')
  t.equal(staffQuery.status, 400)
  t.equal(staffQuery.body.errors[0].extensions.code, 'OL_GRAPHQL_VALIDATION')
  // And the agent API does not see the visitor's fields.
  const agentSide = await h.agent().query('{ whoAmI }')
  t.equal(agentSide.errors?.[0].extensions?.code, 'OL_GRAPHQL_VALIDATION')
})

t.test('widgets on other sites may call the visitor API (CORS, no credentials); the agent API stays same-origin', async (t) => {
  const h = await buildTestApp({ plugins: [widgetLike] })
  t.teardown(() => h.close())
  const preflight = await fetch(`${h.url}/visitor/graphql`, {
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' }
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example')
  t.match(preflight.headers.get('access-control-allow-headers'), /authorization/)
  t.equal(preflight.headers.get('access-control-allow-credentials'), null)
  const res = await fetch(`${h.url}/visitor/graphql`, { method: 'POST', headers: { origin: 'https://shop.example', 'content-type': 'application/json', authorization: 'Bearer v-1' }, body: '{"query":"{ whoAmI }"}' })
  t.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example')
  t.same(await res.json(), { data: { whoAmI: 'v-1' } })
  const agent = await fetch(`${h.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } })
  t.equal(agent.headers.get('access-control-allow-origin'), null, 'no CORS on the staff API')
})
