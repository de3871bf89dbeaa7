import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** Resource ARNs relative to the API itself (the policy cannot name the API it is part of). */
const PLAT_DATA_OPEN = 'execute-api:/*/POST/platDataOpen';
const CLEARANCE_CALLBACK = 'execute-api:/*/POST/clearance/callback';

/**
 * The API's resource policy. With a resource policy in place API Gateway refuses whatever it does not
 * allow, so it lists only what may come from anywhere in the network:
 * - POST /platDataOpen from customs' source ranges (behind the CloudFront front: from anywhere, as the
 *   front checks the ranges and the route requires the front's API key); every other source is denied
 *   explicitly too, so a later statement cannot widen it by accident;
 * - POST /clearance/callback from anywhere (partners sign each call; the function checks it).
 * GET /orders/{orderNo}/status and POST /payments are not listed: they are IAM-authorized, and for callers of this account an
 * IAM allow suffices while callers of other accounts stay out (they would need an allow here too).
 * With no source ranges configured, nobody reaches /platDataOpen: fail closed.
 */
export function grabApiPolicy(opts: {
  readonly customsSourceRanges: readonly string[];
  readonly behindFront: boolean;
}): PolicyDocument {
  const invoke = (resource: string, extra: Partial<ConstructorParameters<typeof PolicyStatement>[0]> = {}) =>
    new PolicyStatement({
      effect: Effect.ALLOW,
      principals: [new AnyPrincipal()],
      actions: ['execute-api:Invoke'],
      resources: [resource],
      ...extra,
    });
  const statements = [invoke(CLEARANCE_CALLBACK, { sid: 'ClearanceCallbacksFromPartners' })];
  const ranges = [...opts.customsSourceRanges];
  if (opts.behindFront) {
    statements.push(invoke(PLAT_DATA_OPEN, { sid: 'GrabsThroughTheFront' }));
  } else if (ranges.length > 0) {
    statements.push(
      invoke(PLAT_DATA_OPEN, {
        sid: 'GrabsFromCustoms',
        conditions: { IpAddress: { 'aws:SourceIp': ranges } },
      }),
      new PolicyStatement({
        sid: 'NoGrabsFromElsewhere',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [PLAT_DATA_OPEN],
        conditions: { NotIpAddress: { 'aws:SourceIp': ranges } },
      }),
    );
  }
  return new PolicyDocument({ statements });
}
