import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import * as v from 'valibot';
import { SessionBusyError } from '#core/errors.ts';
import type { CreateResult, SessionStore } from '#core/ports.ts';
import { EXPIRES_AT_ATTRIBUTE, orderExpiresAt } from '#core/retention.ts';
import {
  isTerminal,
  type Session,
  type SessionOutcome,
  SessionSchema,
  type SessionState,
  type UploadPrepared,
} from '#core/session.ts';
import {
  CLAIMABLE_STATES,
  CLEARED_ON_REQUEUE,
  canMove,
  DEAD_LETTERED_FROM,
  INITIAL_STATE,
  LEASED_STATE,
  NOT_QUEUED_STATE,
  PREPARED_ATTRIBUTES,
  preparedAttributes,
  REQUEUED_STATE,
  sourcesOf,
  WAITING_STATES,
} from '#core/session-lifecycle.ts';
import { OTHER_ORDERS_KEPT, RETENTION_DAYS } from '#core/settings.ts';

/**
 * Sessions in DynamoDB, one item per sessionID. Every state change is a conditional write built from
 * the lifecycle table (core/session-lifecycle.ts), so two deliveries of the same grab can never both
 * upload, a late worker cannot overwrite a newer outcome, and no tool can make a move the table forbids.
 * A session is created with `expiresAt` (the table's TTL): its receipt plus the retention, its order's
 * payment being unknown to it; the writes that store its prepared payload extend it to its payment's
 * expiry when that is later, and never shorten it (core/retention.ts).
 */
export class DynamoSessionStore implements SessionStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /** Days a session is kept (the stage's RETENTION_DAYS). */
    private readonly retentionDays: number = RETENTION_DAYS,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(grab: {
    sessionID: string;
    orderNo: string;
    serviceTime?: number;
    receivedAt: number;
  }): Promise<CreateResult> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...grab,
            state: INITIAL_STATE,
            updatedAt: grab.receivedAt,
            attempts: 0,
            expiresAt: orderExpiresAt(undefined, grab.receivedAt, this.retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(sessionID)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (e) {
      const existing = oldItemOf(e);
      if (existing) return { created: false, existing };
      if (e instanceof ConditionalCheckFailedException) {
        // Emulators that do not return the old item: read it.
        const session = await this.get(grab.sessionID);
        if (session) return { created: false, existing: session };
      }
      throw e;
    }
  }

  async markNotQueued(sessionID: string, reason: string, at: number): Promise<void> {
    // Also a session still `received` (the state a grab is recorded in): it keeps the reason.
    const from = stateIn('from', [NOT_QUEUED_STATE, ...sourcesOf(NOT_QUEUED_STATE)]);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { sessionID },
        UpdateExpression: 'SET #state = :to, #error = :reason, updatedAt = :at REMOVE queuedAt',
        ConditionExpression: from.condition,
        ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
        ExpressionAttributeValues: { ':to': NOT_QUEUED_STATE, ':reason': reason, ':at': at, ...from.values },
      }),
    );
  }

  async markQueued(sessionID: string, at: number, from: readonly SessionState[]): Promise<boolean> {
    // Only the asked-for states the table lets go back to the queue.
    const allowed = from.filter((s) => canMove(s, REQUEUED_STATE));
    if (allowed.length === 0) return false;
    const source = stateIn('from', allowed);
    const cleared = attributeNames(CLEARED_ON_REQUEUE);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { sessionID },
          UpdateExpression: `SET #state = :to, queuedAt = :at, updatedAt = :at REMOVE ${cleared.list}`,
          ConditionExpression: source.condition,
          ExpressionAttributeNames: { '#state': 'state', ...cleared.names },
          ExpressionAttributeValues: { ':to': REQUEUED_STATE, ':at': at, ...source.values },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async markDeadLettered(sessionID: string, reason: string, at: number): Promise<boolean> {
    const from = stateIn('from', DEAD_LETTERED_FROM);
    try {
      await this.update(sessionID, {
        UpdateExpression:
          'SET #state = :failed, #error = :reason, finishedAt = :at, updatedAt = :at REMOVE leaseUntil',
        ConditionExpression: `${from.condition} OR (#state = :leased AND leaseUntil < :at)`,
        ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
        values: {
          ':failed': 'failed',
          ':reason': reason,
          ':at': at,
          ':leased': LEASED_STATE,
          ...from.values,
        },
      });
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async noteWaitingReason(sessionID: string, reason: string): Promise<boolean> {
    const from = stateIn('from', WAITING_STATES);
    try {
      // updatedAt untouched: the sweep's staleness and markResent's version stay the queue's.
      await this.update(sessionID, {
        UpdateExpression: 'SET #error = :reason',
        ConditionExpression: from.condition,
        ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
        values: { ':reason': reason, ...from.values },
      });
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async recordOtherOrder(sessionID: string, orderNo: string, at: number): Promise<void> {
    try {
      await this.update(sessionID, {
        UpdateExpression:
          'SET otherOrderNos = list_append(if_not_exists(otherOrderNos, :none), :one), updatedAt = :at',
        ConditionExpression:
          'attribute_exists(sessionID) AND NOT contains(otherOrderNos, :orderNo) AND ' +
          '(attribute_not_exists(otherOrderNos) OR size(otherOrderNos) < :max)',
        values: { ':none': [], ':one': [orderNo], ':orderNo': orderNo, ':at': at, ':max': OTHER_ORDERS_KEPT },
      });
    } catch (e) {
      // Noted already, or enough noted.
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  async markResent(sessionID: string, seenAt: number, at: number): Promise<boolean> {
    try {
      await this.update(sessionID, {
        UpdateExpression: 'SET queuedAt = :at, updatedAt = :at',
        ConditionExpression: '#state = :queued AND updatedAt = :seen',
        ExpressionAttributeNames: { '#state': 'state' },
        values: { ':queued': REQUEUED_STATE, ':seen': seenAt, ':at': at },
      });
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async claim(
    sessionID: string,
    now: number,
    leaseMs: number,
  ): Promise<{ claimed: boolean; session: Session }> {
    return this.takeLease(sessionID, now, leaseMs);
  }

  async claimWithPayload(
    sessionID: string,
    orderNo: string,
    now: number,
    leaseMs: number,
    p: UploadPrepared,
  ): Promise<{ claimed: boolean; session: Session }> {
    const attrs = preparedAttributes(p);
    return this.takeLease(sessionID, now, leaseMs, {
      orderNo,
      // if_not_exists: a payload an earlier attempt stored (all of it together) is the one sent.
      set: PREPARED_ATTRIBUTES.map((a) => `${a} = if_not_exists(${a}, :${a})`).join(', '),
      values: { ...prefixed(attrs), ':orderNo': orderNo },
      expiresAt: p.expiresAt,
    });
  }

  /** The lease, and with `payload` the prepared upload, in one conditional write. */
  private async takeLease(
    sessionID: string,
    now: number,
    leaseMs: number,
    payload?: {
      orderNo: string;
      set: string;
      values: Record<string, unknown>;
      expiresAt?: number | undefined;
    },
  ): Promise<{ claimed: boolean; session: Session }> {
    const claimable = stateIn('claimable', CLAIMABLE_STATES);
    const condition = `${claimable.condition} OR (#state = :leased AND leaseUntil < :now)`;
    try {
      // `mayHaveReachedCustoms` is left as earlier attempts left it: nothing is sent before markSending.
      const out = await this.updateExtendingExpiry(sessionID, payload?.expiresAt, {
        UpdateExpression:
          'SET #state = :leased, attempts = attempts + :one, leaseUntil = :lease, updatedAt = :now, ' +
          `firstAttemptAt = if_not_exists(firstAttemptAt, :now)${payload ? `, ${payload.set}` : ''}`,
        ConditionExpression: payload ? `orderNo = :orderNo AND (${condition})` : condition,
        ExpressionAttributeNames: { '#state': 'state' },
        values: {
          ':leased': LEASED_STATE,
          ...claimable.values,
          ':one': 1,
          ':now': now,
          ':lease': now + leaseMs,
          ...payload?.values,
        },
        ReturnValues: 'ALL_NEW',
      });
      return { claimed: true, session: v.parse(SessionSchema, unmarshall(out.Attributes ?? {})) };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const session = oldItemOf(e) ?? (await this.get(sessionID));
      if (!session) throw new Error(`session ${sessionID} does not exist`);
      if (!canMove(session.state, LEASED_STATE)) return { claimed: false, session };
      if (payload && session.orderNo !== payload.orderNo) {
        // Never store another order's payment in this session; the next delivery claims it plainly.
        throw new SessionBusyError(
          `session ${sessionID} is for order ${session.orderNo}, not ${payload.orderNo}: not claimed with that payload`,
        );
      }
      throw new SessionBusyError(`session ${sessionID} is ${session.state} in another worker's hands`);
    }
  }

  async recordPrepared(sessionID: string, attempt: number, p: UploadPrepared): Promise<void> {
    await this.updateExtendingExpiry(sessionID, p.expiresAt, {
      UpdateExpression: `SET ${PREPARED_ATTRIBUTES.map((a) => `${a} = :${a}`).join(', ')}, updatedAt = :preparedAt`,
      ConditionExpression: 'attempts = :attempt',
      values: { ...prefixed(preparedAttributes(p)), ':attempt': attempt },
    });
  }

  async markSending(sessionID: string, attempt: number): Promise<void> {
    await this.update(sessionID, {
      UpdateExpression: 'SET mayHaveReachedCustoms = :yes',
      ConditionExpression: 'attempts = :attempt AND #state = :leased',
      ExpressionAttributeNames: { '#state': 'state' },
      values: { ':yes': true, ':attempt': attempt, ':leased': LEASED_STATE },
    });
  }

  /**
   * `input`, also setting `expiresAt` to `expiresAt` when that is later than the stored one. DynamoDB
   * has no max(): the write is made on condition that the stored expiry is not later, and made once more
   * without the expiry when that alone refused it (rare: the stored one is the receipt's, which the
   * payment's implied expiry is never before). Always returns the old item on a refusal.
   */
  private async updateExtendingExpiry(
    sessionID: string,
    expiresAt: number | undefined,
    input: Parameters<DynamoSessionStore['update']>[1],
  ) {
    const plain = { ...input, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
    if (expiresAt === undefined) return this.update(sessionID, plain);
    try {
      return await this.update(sessionID, {
        ...plain,
        UpdateExpression: `${input.UpdateExpression}, ${EXPIRES_AT_ATTRIBUTE} = :expiresAt`,
        ConditionExpression: `(${input.ConditionExpression}) AND (attribute_not_exists(${EXPIRES_AT_ATTRIBUTE}) OR ${EXPIRES_AT_ATTRIBUTE} <= :expiresAt)`,
        values: { ...input.values, ':expiresAt': expiresAt },
      });
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      // The old item shows whether its expiry could be why; without it (some emulators), try as without.
      const stored = e.Item ? Number(e.Item[EXPIRES_AT_ATTRIBUTE]?.N ?? Number.NEGATIVE_INFINITY) : undefined;
      if (stored !== undefined && stored <= expiresAt) throw e;
      return this.update(sessionID, plain);
    }
  }

  async recordOutcome(sessionID: string, attempt: number, o: SessionOutcome): Promise<void> {
    const from = stateIn('from', sourcesOf(o.state));
    const values: Record<string, unknown> = {
      ':state': o.state,
      ':at': o.at,
      ':attempt': attempt,
      ...from.values,
    };
    const sets = ['#state = :state', 'updatedAt = :at'];
    const removes = ['leaseUntil'];
    if (o.state === 'uploaded' || o.state === 'rejected') {
      sets.push('customsCode = :code', 'customsMessage = :message', 'finishedAt = :at');
      Object.assign(values, { ':code': o.customsCode, ':message': o.customsMessage });
      removes.push('#error');
      if (o.state === 'uploaded') {
        sets.push('uploadedAt = :at', 'latencyMs = :latency');
        values[':latency'] = o.latencyMs;
        if (o.inferred) {
          sets.push('inferred = :inferred');
          values[':inferred'] = true;
        }
      }
    } else {
      sets.push('#error = :error');
      values[':error'] = o.error;
      if (isTerminal(o.state)) sets.push('finishedAt = :at');
      if (o.state === 'failed' && o.customsCode !== undefined) {
        sets.push('customsCode = :code', 'customsMessage = :message');
        Object.assign(values, { ':code': o.customsCode, ':message': o.customsMessage ?? '' });
      }
    }
    if (o.mayHaveReachedCustoms !== undefined) {
      sets.push('mayHaveReachedCustoms = :reached');
      values[':reached'] = o.mayHaveReachedCustoms;
    }
    await this.update(sessionID, {
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: `attempts = :attempt AND (${from.condition})`,
      ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
      values,
    });
  }

  /**
   * An UpdateItem made with the plain client, its few values marshalled here: the worker makes three
   * per grab, and the DocumentClient's walk over the whole command costs ~0.1 ms CPU each.
   */
  private update(
    sessionID: string,
    input: Omit<UpdateItemCommandInput, 'TableName' | 'Key' | 'ExpressionAttributeValues'> & {
      values: Record<string, unknown>;
    },
  ) {
    const { values, ...rest } = input;
    return this.client.send(
      new UpdateItemCommand({
        ...rest,
        TableName: this.tableName,
        Key: { sessionID: { S: sessionID } },
        ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
      }),
    );
  }

  async get(sessionID: string): Promise<Session | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { sessionID }, ConsistentRead: true }),
    );
    return out.Item ? v.parse(SessionSchema, out.Item) : undefined;
  }

  async listByOrder(orderNo: string): Promise<Session[]> {
    return this.query('byOrder', 'orderNo = :k', { ':k': orderNo });
  }

  async listByState(
    state: Session['state'],
    sinceMs = 0,
    untilMs = Number.MAX_SAFE_INTEGER,
  ): Promise<Session[]> {
    return this.query(
      'byState',
      '#state = :k AND updatedAt BETWEEN :since AND :until',
      { ':k': state, ':since': sinceMs, ':until': untilMs },
      { '#state': 'state' },
    );
  }

  private async query(
    index: string,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<Session[]> {
    const out: Session[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ...(names ? { ExpressionAttributeNames: names } : {}),
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) out.push(v.parse(SessionSchema, item));
    return out;
  }
}

/** The item a failed conditional write returned (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
function oldItemOf(e: unknown): Session | undefined {
  if (!(e instanceof ConditionalCheckFailedException) || !e.Item) return undefined;
  return v.parse(SessionSchema, unmarshall(e.Item));
}

/** `#state IN (...)` over `states`, its values named `:<prefix>0`, `:<prefix>1`, ... */
function stateIn(
  prefix: string,
  states: readonly SessionState[],
): { condition: string; values: Record<string, SessionState> } {
  const values = Object.fromEntries(states.map((s, i) => [`:${prefix}${i}`, s]));
  return { condition: `#state IN (${Object.keys(values).join(', ')})`, values };
}

/** Attributes as `#name` placeholders (some, like `error`, are DynamoDB reserved words). */
function attributeNames(attrs: readonly string[]): { list: string; names: Record<string, string> } {
  const names = Object.fromEntries(attrs.map((a) => [`#${a}`, a]));
  return { list: Object.keys(names).join(', '), names };
}

/** `{ guid: x }` -> `{ ':guid': x }` */
const prefixed = (o: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, x]) => [`:${k}`, x]));
