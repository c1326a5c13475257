import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Key } from 'aws-cdk-lib/aws-kms'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'

export interface AlarmTopicProps {
  /** Who gets the notifications (a subscription CloudWatch's first message asks them to confirm). */
  readonly email: string
  /** The names of the alarms allowed to publish, e.g. `Cubewalk-*`. */
  readonly alarmNamePattern: string
}

/**
 * The SNS topic the alarms notify, encrypted with its own KMS key (rotated yearly) and refusing any request that is not
 * over TLS. CloudWatch may publish to it, and use the key for that, only on behalf of this account's alarms whose names
 * match `alarmNamePattern` in this region: without those two grants an encrypted topic silently receives nothing, and
 * the AWS-managed `aws/sns` key cannot carry them.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic
  readonly key: Key

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id)
    const stack = Stack.of(this)
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com')
    const onBehalfOfTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: props.alarmNamePattern,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    }

    this.key = new Key(this, 'Key', {
      description: 'cubewalk alarm notifications (SNS topic encryption)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: onBehalfOfTheseAlarms,
      }),
    )

    this.topic = new Topic(this, 'Topic', {
      displayName: 'cubewalk alarms',
      masterKey: this.key,
      enforceSSL: true,
    })
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: onBehalfOfTheseAlarms,
      }),
    )
    this.topic.addSubscription(new EmailSubscription(props.email))
  }
}
