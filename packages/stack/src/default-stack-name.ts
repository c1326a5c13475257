/** The stack's name unless `-c stackName=…` (or the app's option) says otherwise. Its own module so that the token
 * commands know it without loading aws-cdk-lib. */
export const defaultStackName = 'Cubewalk'
