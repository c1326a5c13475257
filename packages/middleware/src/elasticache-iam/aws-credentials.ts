/** AWS credentials that sign ElastiCache IAM authentication tokens. */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** Returns the credentials to sign with; called at every signing, so rotated credentials are picked up. */
export type AwsCredentialsProvider = () => AwsCredentials | Promise<AwsCredentials>

/**
 * Credentials of the Lambda execution role, as the runtime provides them: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which is also the first place the AWS SDK's default chain looks.
 */
export const environmentCredentials = (): AwsCredentials => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('elastiCacheIamAuth: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set')
  }
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined }
}
