import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Each gets an e-mail subscription (confirmed by a link AWS sends). */
  readonly emails: readonly string[];
  /** An existing topic to use instead of creating one. Its key policy must let CloudWatch publish. */
  readonly topicArn?: string;
}

/**
 * Where every alarm of the stage goes. A created topic is encrypted with its own customer-managed key,
 * whose policy lets CloudWatch (the alarm's publisher) use it; the AWS-managed SNS key cannot be used
 * by CloudWatch alarms. Publishing needs TLS.
 */
export class AlarmTopic extends Construct {
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.topicArn !== undefined) {
      this.topic = Topic.fromTopicArn(this, 'Topic', props.topicArn);
      return;
    }
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new Key(this, 'Key', {
      description: 'ceb-grab: encrypts the alarm topic; CloudWatch may use it to publish alarms',
      enableKeyRotation: true,
      // Nothing durable is encrypted under it: it goes with the topic.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(cloudWatch, 'kms:Decrypt', 'kms:GenerateDataKey');
    const topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    const { account, partition, region } = Stack.of(this);
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    for (const email of props.emails) topic.addSubscription(new EmailSubscription(email));
    this.topic = topic;
  }
}
