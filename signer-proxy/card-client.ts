import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import pRetry from 'p-retry';
import * as v from 'valibot';
import WebSocket from 'ws';
import { SignerProxyError } from './backend.ts';
import { CARD_GREETING_METHOD, type CardReply, CardReplySchema } from './card-protocol.ts';
import type { ProxyLog } from './log.ts';

export interface CardClientOptions {
  /** e.g. ws://127.0.0.1:61232 */
  readonly url: string;
  /** how long one call may wait for its reply */
  readonly timeoutMs: number;
  /** how long a call waits for a reconnection already under way before it gives up; default 1 000 */
  readonly connectWaitMs?: number;
  /** backoff of the reconnection after a drop; defaults 250 and 5 000 */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly log: ProxyLog;
}

interface Pending {
  readonly method: string;
  readonly resolve: (reply: CardReply) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_ID = 2 ** 31 - 1; // the service's `_id` is an int32

/**
 * One long-lived connection to the card's websocket service, one request at a time (certificate
 * reads included), as the Java and Python clients send them: nobody public sends two at once, and
 * the official JS library matches replies by `_method`. Replies are matched by `_id`; a drop
 * fails the calls in flight as retryable and starts reconnecting with backoff in the background,
 * so the next call finds the connection back as soon as the service is.
 */
export class CardServiceClient {
  private socket: WebSocket | undefined;
  private connecting: Promise<WebSocket> | undefined;
  private reconnecting: Promise<unknown> | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly stopped = new AbortController();
  private nextId = 1;
  private readonly oneAtATime = pLimit(1);

  constructor(private readonly options: CardClientOptions) {}

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  get reconnectingNow(): boolean {
    return this.reconnecting !== undefined;
  }

  /** Connect now if not connected (health checks); throws DEVICE_UNAVAILABLE when the service is away. */
  async connect(): Promise<void> {
    await this.open();
  }

  /** Send one request, after the one before it is answered, and wait for the reply with its `_id`. */
  call(method: string, args: Record<string, unknown>): Promise<CardReply> {
    return this.oneAtATime(() => this.callNow(method, args));
  }

  private async callNow(method: string, args: Record<string, unknown>): Promise<CardReply> {
    const socket = await this.open();
    const id = this.nextId;
    this.nextId = id >= MAX_ID ? 1 : id + 1;
    const { timeoutMs } = this.options;
    return new Promise<CardReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new SignerProxyError('TIMEOUT', `the card service did not answer ${method} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      socket.send(JSON.stringify({ _method: method, _id: id, args }), (e) => {
        if (e) this.settle(id, undefined, this.unavailable(`could not send ${method}: ${e.message}`));
      });
    });
  }

  async close(): Promise<void> {
    this.stopped.abort();
    this.failPending('the signing proxy is closing');
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await Promise.race([closed, delay(1_000, undefined, { ref: false })]);
      socket.terminate();
    }
  }

  private async open(): Promise<WebSocket> {
    if (this.stopped.signal.aborted) throw this.unavailable('the signing proxy is closing');
    if (this.socket && this.connected) return this.socket;
    if (this.reconnecting) {
      // Between two reconnection attempts: wait a little for the next one rather than fail at once.
      await Promise.race([
        this.reconnecting,
        delay(this.options.connectWaitMs ?? 1_000, undefined, { ref: false }),
      ]);
      if (this.socket && this.connected) return this.socket;
      throw this.unavailable('not connected to the card service; reconnecting');
    }
    try {
      return await this.connectOnce();
    } catch (e) {
      this.startReconnecting();
      throw e;
    }
  }

  /** One connection attempt; concurrent callers share it. */
  private connectOnce(): Promise<WebSocket> {
    this.connecting ??= new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.options.url, { handshakeTimeout: this.options.timeoutMs });
      const refused = (why: string) => reject(this.unavailable(`cannot connect to the card service: ${why}`));
      socket.on('error', (e) => refused(e.message));
      socket.once('close', () => refused('closed during the handshake'));
      socket.once('open', () => {
        if (this.stopped.signal.aborted) {
          socket.terminate();
          return refused('the signing proxy is closing');
        }
        socket.removeAllListeners('close');
        socket.on('close', () => this.dropped(socket));
        socket.on('message', (raw) => this.received(raw.toString()));
        this.socket = socket;
        this.options.log.info('connected to the card service', { url: this.options.url });
        resolve(socket);
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dropped(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.failPending('the card service closed the connection');
    if (this.stopped.signal.aborted) return;
    this.options.log.warn('the card service connection dropped; reconnecting', { url: this.options.url });
    this.startReconnecting();
  }

  private startReconnecting(): void {
    if (this.reconnecting || this.stopped.signal.aborted) return;
    this.reconnecting = pRetry(() => this.connectOnce(), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: this.options.reconnectMinMs ?? 250,
      maxTimeout: this.options.reconnectMaxMs ?? 5_000,
      randomize: true,
      signal: this.stopped.signal,
      unref: true,
    })
      .catch(() => undefined)
      .finally(() => {
        this.reconnecting = undefined;
      });
  }

  private received(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.options.log.warn('the card service sent something that is not JSON; ignored');
      return;
    }
    const reply = v.safeParse(CardReplySchema, json);
    // The greeting answers nothing; messages without a pending `_id` (replies that came after
    // their timeout) are dropped.
    if (!reply.success || reply.output._method === CARD_GREETING_METHOD) return;
    this.settle(reply.output._id, reply.output);
  }

  private settle(id: number, reply: CardReply | undefined, error?: Error): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (reply) pending.resolve(reply);
    else pending.reject(error ?? this.unavailable(`no reply to ${pending.method}`));
  }

  private failPending(why: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, this.unavailable(why));
  }

  private unavailable(why: string): SignerProxyError {
    return new SignerProxyError('DEVICE_UNAVAILABLE', `${why} (${this.options.url})`);
  }
}
