import { expect } from 'vitest'

/** The value a promise rejects with; fails the test if it resolves. */
export const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection, got a result')
}

// Exactly `new Error('Unauthorized')`: API Gateway maps only that message to 401.
export const expectUnauthorized = async (promise: Promise<unknown>): Promise<void> => {
  const error = await rejection(promise)
  expect(Object.getPrototypeOf(error)).toBe(Error.prototype)
  expect((error as Error).message).toBe('Unauthorized')
  expect((error as Error).cause).toBeUndefined()
}
