const maxBigint = 9223372036854775807n

/**
 * A row id as the API carries it: a positive PostgreSQL bigint written plainly. Check ids from
 * clients with it before they reach SQL, where an out-of-range value would be a server error.
 * @example
 * if (!isId(args.conversationId)) throw new OpenlineError(errorCodes.validation, 'Invalid id')
 */
export function isId (value: unknown): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= maxBigint
}
