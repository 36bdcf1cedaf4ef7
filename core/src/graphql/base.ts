import { GraphQLScalarType, Kind, type ValueNode } from 'graphql'
import { OpenlineError, errorCodes } from '@openline/sdk'

// Roots every module extends with `extend type …`.
export const baseTypeDefs = `
  scalar DateTime
  scalar JSON
  type Query { "Core version" version: String! }
  type Mutation { "Always true: lets clients check that mutations reach the server" ping: Boolean! }
  type Subscription { "Heartbeat every 30 s" heartbeat: DateTime! }
`

function parseJsonLiteral (ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING: case Kind.BOOLEAN: return ast.value
    case Kind.INT: case Kind.FLOAT: return Number(ast.value)
    case Kind.NULL: return null
    case Kind.LIST: return ast.values.map(parseJsonLiteral)
    case Kind.OBJECT: return Object.fromEntries(ast.fields.map(f => [f.name.value, parseJsonLiteral(f.value)]))
    default: throw new OpenlineError(errorCodes.validation, 'Variables are not allowed inside JSON literals')
  }
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 timestamp',
  serialize: (v) => (v instanceof Date ? v : new Date(v as string)).toISOString(),
  parseValue: (v) => {
    const d = new Date(v as string)
    if (typeof v !== 'string' || Number.isNaN(d.getTime())) throw new OpenlineError(errorCodes.validation, 'DateTime must be an ISO-8601 string')
    return d
  },
  parseLiteral: (ast) => {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : new Date(Number.NaN)
    if (Number.isNaN(d.getTime())) throw new OpenlineError(errorCodes.validation, 'DateTime must be an ISO-8601 string')
    return d
  }
})

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: parseJsonLiteral
})
