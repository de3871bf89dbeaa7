import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface GrabApiProps {
  /** Handles customs' `POST /platDataOpen` as a Lambda proxy integration. */
  readonly grabFunction: IFunction;
  /** Also the API Gateway stage name, so URLs read `.../test/platDataOpen`. */
  readonly stageName: string;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
}

/**
 * The REST API customs calls. Regional endpoint (edge-optimized does not exist in the China regions),
 * stage throttling, X-Ray, JSON access logs. No WAF or user-agent rule: customs' client announces
 * itself as `Apache-HttpClient/4.5.x`, and it must get through.
 */
export class GrabApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  readonly platDataOpen: Method;

  constructor(scope: Construct, id: string, props: GrabApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.api = new RestApi(this, 'Api', {
      // A display name only (API IDs are generated), so stages are told apart in the console.
      restApiName: `${Stack.of(this).stackName}-grab`,
      description: 'ceb-grab: customs grab requests (platDataOpen)',
      endpointTypes: [EndpointType.REGIONAL],
      // Access logging needs the account-level API Gateway CloudWatch role. It is one setting per
      // account and region, so keep the role when a stage is torn down (another stage may rely on it).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
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
    this.platDataOpen = this.api.root
      .addResource('platDataOpen')
      // Only the deployed stage may invoke the function; no extra permission for console test calls.
      .addMethod('POST', new LambdaIntegration(props.grabFunction, { allowTestInvoke: false }));
  }

  /** The URL to register with customs as the enterprise's grab endpoint. */
  get platDataOpenUrl(): string {
    return this.api.urlForPath('/platDataOpen');
  }
}
