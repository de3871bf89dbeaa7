import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnIPSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface FrontSourceCheckProps {
  /** The API stage the CloudFront front forwards to. */
  readonly stage: Stage;
  /** IPv4 CIDR ranges customs calls from. */
  readonly customsSourceRanges: readonly string[];
}

/**
 * Behind CloudFront the API sees CloudFront's addresses, so the resource policy cannot check customs'
 * ranges. This regional web ACL checks them instead, on /platDataOpen only, against the address
 * CloudFront saw (the last X-Forwarded-For entry, which CloudFront appends). A direct caller could
 * forge that header, but has no API key (the front's origin header), so API Gateway refuses it anyway.
 * No managed rule groups and no user-agent rules: customs' Apache-HttpClient must get through.
 * With no ranges, every grab is blocked (fail closed). CloudFront Functions would do this at the edge,
 * but they do not exist in the China regions.
 */
export class FrontSourceCheck extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: FrontSourceCheckProps) {
    super(scope, id);
    const customs = new CfnIPSet(this, 'CustomsRanges', {
      scope: 'REGIONAL',
      ipAddressVersion: 'IPV4',
      addresses: [...props.customsSourceRanges],
      description: 'ceb-grab: customs source ranges',
    });
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'ceb-grab: only customs source ranges reach /platDataOpen through the CloudFront front',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('ceb-grab-front'),
      rules: [
        {
          name: 'grabs-only-from-customs',
          priority: 0,
          action: { block: {} },
          visibilityConfig: visibility('ceb-grab-front-refused-grabs'),
          statement: {
            andStatement: {
              statements: [
                {
                  byteMatchStatement: {
                    fieldToMatch: { uriPath: {} },
                    positionalConstraint: 'ENDS_WITH',
                    searchString: '/platdataopen',
                    textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                  },
                },
                {
                  notStatement: {
                    statement: {
                      ipSetReferenceStatement: {
                        arn: customs.attrArn,
                        ipSetForwardedIpConfig: {
                          headerName: 'X-Forwarded-For',
                          position: 'LAST',
                          fallbackBehavior: 'NO_MATCH',
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      ],
    });
    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
