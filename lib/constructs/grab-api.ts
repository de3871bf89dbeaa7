import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { grabApiPolicy } from './grab-api-policy.ts';

/** Partners' clearance callbacks: a few a second per order event, bursts when a partner catches up. */
export const CALLBACK_THROTTLE = { rateLimit: 20, burstLimit: 40 } as const;
/** Operators' status reads. */
export const STATUS_THROTTLE = { rateLimit: 5, burstLimit: 10 } as const;

export interface GrabApiProps {
  /** Customs' `POST /platDataOpen`. */
  readonly grabFunction: IFunction;
  /** Partners' `POST /clearance/callback` (HMAC-signed, checked in the function). */
  readonly callbackFunction: IFunction;
  /** Internal `GET /orders/{orderNo}/status` (IAM-authorized). */
  readonly statusFunction: IFunction;
  /** The platform's `POST /payments` (IAM-authorized). */
  readonly paymentsFunction: IFunction;
  /** CIDR ranges customs calls from: the only sources admitted to /platDataOpen. */
  readonly customsSourceRanges: readonly string[];
  /**
   * A CloudFront front checks the source ranges instead and proves itself with an API key sent as an
   * origin header: /platDataOpen then requires that key and admits any source (CloudFront's addresses).
   */
  readonly behindFront: boolean;
  /** Also the API Gateway stage name, so URLs read `.../test/platDataOpen`. */
  readonly stageName: string;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
}

/**
 * The REST API: regional endpoint (edge-optimized does not exist in the China regions), a resource
 * policy that admits only customs' ranges to /platDataOpen, stage throttling, X-Ray, JSON access logs
 * and error execution logs. No WAF or user-agent rule: customs' client announces itself as
 * `Apache-HttpClient/4.5.x`, and it must get through.
 */
export class GrabApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  readonly platDataOpen: Method;
  readonly clearanceCallback: Method;
  readonly orderStatus: Method;
  readonly payments: Method;

  constructor(scope: Construct, id: string, props: GrabApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    const policy = grabApiPolicy({
      customsSourceRanges: props.customsSourceRanges,
      behindFront: props.behindFront,
    });
    this.api = new RestApi(this, 'Api', {
      // A display name only (API IDs are generated), so stages are told apart in the console.
      restApiName: `${Stack.of(this).stackName}-grab`,
      description:
        'ceb-grab: customs grab requests (platDataOpen), clearance callbacks, order status, payment intake',
      endpointTypes: [EndpointType.REGIONAL],
      policy,
      // Access and execution logging need the account-level API Gateway CloudWatch role. It is one setting
      // per account and region, so keep the role when a stage is torn down (another stage may rely on it).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        // Each route its own bucket: a burst of callbacks or status reads never throttles customs' grabs.
        methodOptions: {
          '/platDataOpen/POST': {
            throttlingRateLimit: props.throttle.rateLimit,
            throttlingBurstLimit: props.throttle.burstLimit,
          },
          '/clearance/callback/POST': {
            throttlingRateLimit: CALLBACK_THROTTLE.rateLimit,
            throttlingBurstLimit: CALLBACK_THROTTLE.burstLimit,
          },
          '/orders/{orderNo}/status/GET': {
            throttlingRateLimit: STATUS_THROTTLE.rateLimit,
            throttlingBurstLimit: STATUS_THROTTLE.burstLimit,
          },
        },
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
      },
    });
    // A changed resource policy takes effect only with a new deployment: tie the deployment to it.
    this.api.latestDeployment?.addToLogicalId(Stack.of(this).resolve(policy.toJSON()));

    // Only the deployed stage may invoke the functions; no extra permissions for console test calls.
    const integrate = (fn: IFunction) => new LambdaIntegration(fn, { allowTestInvoke: false });
    this.platDataOpen = this.api.root
      .addResource('platDataOpen')
      .addMethod('POST', integrate(props.grabFunction), { apiKeyRequired: props.behindFront });
    this.clearanceCallback = this.api.root
      .addResource('clearance')
      .addResource('callback')
      .addMethod('POST', integrate(props.callbackFunction));
    this.orderStatus = this.api.root
      .addResource('orders')
      .addResource('{orderNo}')
      .addResource('status')
      .addMethod('GET', integrate(props.statusFunction), {
        authorizationType: AuthorizationType.IAM,
        requestParameters: { 'method.request.path.orderNo': true },
        requestValidator: this.api.addRequestValidator('PathValidator', { validateRequestParameters: true }),
      });
    this.payments = this.api.root
      .addResource('payments')
      .addMethod('POST', integrate(props.paymentsFunction), { authorizationType: AuthorizationType.IAM });
    this.suppressNagFindings();
  }

  /** The URL to register with customs as the enterprise's grab endpoint. */
  get platDataOpenUrl(): string {
    return this.api.urlForPath('/platDataOpen');
  }

  private suppressNagFindings(): void {
    const open = (method: Method, why: string) =>
      NagSuppressions.addResourceSuppressions(method, [
        { id: 'AwsSolutions-APIG4', reason: why },
        { id: 'AwsSolutions-COG4', reason: why },
      ]);
    open(
      this.platDataOpen,
      'Customs calls without credentials of ours (the protocol has none); the resource policy admits only customs’ source ranges.',
    );
    open(
      this.clearanceCallback,
      'Partners authenticate each callback with an HMAC signature over timestamp and body, checked in the function (replay-guarded).',
    );
    for (const method of [this.orderStatus, this.payments]) {
      NagSuppressions.addResourceSuppressions(method, [
        {
          id: 'AwsSolutions-COG4',
          reason: 'IAM-authorized (SigV4): an internal route for operators and systems, no user pool.',
        },
      ]);
    }
    NagSuppressions.addResourceSuppressions(this.api, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Bodies are validated in the functions (valibot at every boundary): customs sends form-encoded JSON-in-a-field, partners JSON or XML; the status route validates its path parameter here.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.api.deploymentStage, [
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF: customs’ Apache-HttpClient user agent must never be blocked; /platDataOpen is limited by source range, the stage is throttled.',
      },
    ]);
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      NagSuppressions.addResourceSuppressions(cloudWatchRole, [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AmazonAPIGatewayPushToCloudWatchLogs is the account-level role API Gateway itself uses to write access and execution logs.',
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
          ],
        },
      ]);
    }
  }
}
