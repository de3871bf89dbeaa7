import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface CallbackPartnerSecretProps {
  readonly key: IKey;
  readonly retain: boolean;
  readonly stage: string;
}

/**
 * The clearance-callback partners' HMAC secrets, one JSON object `{"<partnerId>": "<secret>", ...}`.
 * Created empty (`{}`: every partner refused) and filled in by the operator; a new partner or a new
 * secret is live within the function's cache time, without a deploy.
 */
export class CallbackPartnerSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: CallbackPartnerSecretProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: `ceb-grab ${props.stage}: clearance callback partners' HMAC secrets, JSON {"partnerId": "secret"}`,
      encryptionKey: props.key,
      // An empty object is no secret; CloudFormation leaves the operator's value alone on later deploys
      // as long as this stays unchanged.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'No automatic rotation: each partner holds its own copy of its secret, so a new one is agreed with the partner and put in by the operator.',
      },
    ]);
  }
}
