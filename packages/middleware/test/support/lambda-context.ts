import type { Context } from 'aws-lambda'

let invocation = 0

/**
 * A Lambda context whose `getRemainingTimeInMillis()` counts down from `remainingMs` in real time, like the real
 * one does from the function timeout.
 */
export const lambdaContext = (remainingMs = 6000, overrides: Partial<Context> = {}): Context => {
  const deadline = Date.now() + remainingMs
  invocation += 1
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'cubewalk-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:cubewalk-test',
    memoryLimitInMB: '256',
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    logGroupName: '/aws/lambda/cubewalk-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
    ...overrides,
  }
}
