import type { APIGatewayProxyEvent } from 'aws-lambda';
import busboy from 'busboy';
import { CallbackRejectedError } from '#core/clearance/errors.ts';
import { bodyBytes, headerOf } from './http-event.ts';

type ParamEvent = Pick<
  APIGatewayProxyEvent,
  'headers' | 'body' | 'isBase64Encoded' | 'queryStringParameters'
>;

/** A form part larger than a whole callback body cannot be part of one. */
const MAX_PARTS = 64;

/**
 * The request's parameters as TOP callers send them: the query string (the Java SDK's system
 * parameters) merged with the form body, urlencoded or multipart/form-data (the ali-topsdk client sends
 * every field as a part; a part with a filename is read as text all the same). The body wins a clash.
 */
export async function formParams(event: ParamEvent, maxBodyBytes: number): Promise<Record<string, string>> {
  // Never parse (or store) an oversized body.
  if (bodyBytes(event).length > maxBodyBytes) {
    throw new CallbackRejectedError('BODY_TOO_LARGE', `the body is larger than ${maxBodyBytes} bytes`);
  }
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) params[k] = v;
  const type = headerOf(event, 'content-type') ?? '';
  if (/^\s*multipart\/form-data/i.test(type)) Object.assign(params, await multipart(type, bodyBytes(event)));
  else if (/^\s*application\/x-www-form-urlencoded/i.test(type)) {
    for (const [k, v] of new URLSearchParams(bodyBytes(event).toString('utf8'))) params[k] = v;
  }
  return { ...params };
}

function multipart(contentType: string, body: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const refuse = (why: string) =>
      reject(new CallbackRejectedError('PARAM_INVALID', `the multipart/form-data body ${why}`));
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { 'content-type': contentType },
        limits: { parts: MAX_PARTS },
        defParamCharset: 'utf8',
      });
    } catch {
      refuse('has no boundary');
      return;
    }
    const fields: Record<string, string> = Object.create(null);
    const files: Promise<void>[] = [];
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      files.push(
        new Promise((done) => {
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            fields[name] = Buffer.concat(chunks).toString('utf8');
            done();
          });
        }),
      );
    });
    bb.on('partsLimit', () => refuse(`has more than ${MAX_PARTS} parts`));
    bb.on('error', () => refuse('is malformed'));
    bb.on('close', () => {
      Promise.all(files).then(() => resolve({ ...fields }), reject);
    });
    bb.end(body);
  });
}
