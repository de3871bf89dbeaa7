import { Fn } from 'aws-cdk-lib';
import { ApiKey, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { FrontSourceCheck } from './front-source-check.ts';

export interface PlainHttpFrontProps {
  readonly api: RestApi;
  /** IPv4 CIDR ranges customs calls from; a web ACL on the API refuses grabs from every other viewer. */
  readonly customsSourceRanges: readonly string[];
}

/**
 * A CloudFront distribution in front of the API, for registrations that need a plain `http://` URL on
 * port 80. Off by default. Because the API then sees CloudFront's addresses, not customs', the API admits
 * /platDataOpen only with an API key that CloudFront adds as an origin header, and a web ACL checks the
 * viewer's address that CloudFront forwards against customs' ranges (see FrontSourceCheck). No caching.
 */
export class PlainHttpFront extends Construct {
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: PlainHttpFrontProps) {
    super(scope, id);
    const originKey = new Secret(this, 'OriginKey', {
      description: 'ceb-grab: API key the CloudFront front sends to the API (x-api-key origin header)',
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });
    const apiKey = new ApiKey(this, 'ApiKey', {
      description: 'ceb-grab: the CloudFront front',
      value: originKey.secretValue.unsafeUnwrap(),
    });
    props.api
      .addUsagePlan('FrontPlan', { apiStages: [{ stage: props.api.deploymentStage }] })
      .addApiKey(apiKey);

    new FrontSourceCheck(this, 'CustomsSourceCheck', {
      stage: props.api.deploymentStage,
      customsSourceRanges: props.customsSourceRanges,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'ceb-grab: plain-http front for platDataOpen',
      enableIpv6: false,
      defaultBehavior: {
        origin: new HttpOrigin(Fn.select(2, Fn.split('/', props.api.url)), {
          // https://<id>.execute-api.<region>.<suffix>/<stage>/ -> origin path /<stage>
          originPath: `/${props.api.deploymentStage.stageName}`,
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          // The key proves the request came through this distribution (and its source check).
          customHeaders: { 'x-api-key': originKey.secretValue.unsafeUnwrap() },
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.ALLOW_ALL,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    NagSuppressions.addResourceSuppressions(originKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Not rotated automatically: the value is also in the distribution’s origin header; rotate by redeploying.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The API’s web ACL admits grabs from customs’ source ranges only: narrower than a geo restriction.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No edge WAF (none for CloudFront in the China regions); the source check is the API’s regional web ACL, with no user-agent rules.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Requests that pass are in the API access logs; refused ones are counted in CloudFront metrics.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'Plain http is the point of this front (registrations that need port 80); the default certificate serves https.',
      },
    ]);
  }

  /** The URL to register with customs when the registration needs plain http. */
  get platDataOpenUrl(): string {
    return `http://${this.distribution.distributionDomainName}/platDataOpen`;
  }
}
