import type { IamAuthOptions } from '#local/sigv4-check.ts';
import { type SignedInit, signedFetch } from '#local/sigv4-fetch.ts';
import { LOCAL_CREDENTIALS } from '#local/stack-file.ts';
import { REGION } from './local-aws.ts';

/** What the local API checks its IAM-authorized routes against (the local stack's identity). */
export const LOCAL_IAM: IamAuthOptions = { region: REGION, credentials: [LOCAL_CREDENTIALS] };

/** fetch an IAM-authorized route of the local API, signed as a platform system would sign it. */
export const iamFetch = (url: string, init: SignedInit = {}): Promise<Response> =>
  signedFetch(url, init, { region: REGION, credentials: LOCAL_CREDENTIALS });
