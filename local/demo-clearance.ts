import { randomBytes, randomUUID } from 'node:crypto';
import Table from 'cli-table3';
import { escapeUTF8 } from 'entities';
import { formatClearanceTime, formatReturnTime } from '#core/clearance/china-time.ts';
import { signedHeaders } from '#core/clearance/signature.ts';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import { signedFetch } from './sigv4-fetch.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './stack-file.ts';

/**
 * Clearance results for the local demo: after customs grabbed the demo orders, a customs broker
 * (partner `demo-broker`) sends signed receipts and a clearance notice for each, the way they arrive
 * in life: 2 (declaring) -> 800 (released) -> 120 (accepted, late), plus a repeat. Each order must
 * still end "released". Also the message builders the tests and fixtures use.
 */
export const DEMO_PARTNER = 'demo-broker';

/**
 * The environment the local stack gives the callback function: the demo partner's secret, made up
 * per run unless CALLBACK_PARTNER_SECRETS is already set (then that is kept, e.g. for your own partners).
 */
export function localPartnerSecretsEnv(env: NodeJS.ProcessEnv = process.env): {
  CALLBACK_PARTNER_SECRETS: string;
} {
  return {
    CALLBACK_PARTNER_SECRETS:
      env.CALLBACK_PARTNER_SECRETS ?? JSON.stringify({ [DEMO_PARTNER]: randomBytes(32).toString('hex') }),
  };
}

/** A partner's secret from CALLBACK_PARTNER_SECRETS (a bare secret, or `{"secret", "scheme", ...}`). */
export function partnerSecretFromEnv(partner = DEMO_PARTNER, env: NodeJS.ProcessEnv = process.env): string {
  const entry = (
    JSON.parse(env.CALLBACK_PARTNER_SECRETS ?? '{}') as Record<string, string | { secret?: string }>
  )[partner];
  const secret = typeof entry === 'string' ? entry : entry?.secret;
  if (!secret) throw new Error(`CALLBACK_PARTNER_SECRETS has no secret for partner ${partner}`);
  return secret;
}

export interface OrderReturnFields {
  readonly guid: string;
  readonly ebpCode: string;
  readonly ebcCode?: string;
  readonly orderNo: string;
  readonly returnStatus: number;
  /** ms since 1970 */
  readonly at: number;
  readonly returnInfo: string;
}

export interface InventoryReturnFields extends Omit<OrderReturnFields, 'orderNo'> {
  readonly customsCode: string;
  readonly agentCode: string;
  readonly copNo: string;
  readonly preNo: string;
  readonly invtNo: string;
}

const CEB_NS =
  'xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const el = (name: string, value: string | number | undefined) =>
  value === undefined || value === ''
    ? `<ceb:${name}/>`
    : `<ceb:${name}>${escapeUTF8(String(value))}</ceb:${name}>`;

/** customs' CEB312 order receipt (统一版). */
export function ceb312Xml(r: OrderReturnFields): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB312Message guid="${randomUUID().toUpperCase()}" version="1.0" ${CEB_NS}>` +
    `<ceb:OrderReturn>${el('guid', r.guid)}${el('ebpCode', r.ebpCode)}${el('ebcCode', r.ebcCode)}` +
    `${el('orderNo', r.orderNo)}${el('returnStatus', r.returnStatus)}${el('returnTime', formatReturnTime(r.at))}` +
    `${el('returnInfo', r.returnInfo)}</ceb:OrderReturn></ceb:CEB312Message>`
  );
}

/** customs' CEB622 inventory receipt (统一版). */
export function ceb622Xml(r: InventoryReturnFields): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB622Message guid="${randomUUID().toUpperCase()}" version="1.0" ${CEB_NS}>` +
    `<ceb:InventoryReturn>${el('guid', r.guid)}${el('customsCode', r.customsCode)}${el('ebpCode', r.ebpCode)}` +
    `${el('ebcCode', r.ebcCode)}${el('agentCode', r.agentCode)}${el('copNo', r.copNo)}${el('preNo', r.preNo)}` +
    `${el('invtNo', r.invtNo)}${el('returnStatus', r.returnStatus)}${el('returnTime', formatReturnTime(r.at))}` +
    `${el('returnInfo', r.returnInfo)}</ceb:InventoryReturn></ceb:CEB622Message>`
  );
}

/** The buyer's personal data a CEB621 carries (made up): ceb-grab must never keep or log any of it. */
export const DEMO_BUYER = {
  buyerIdType: '1',
  buyerIdNumber: '110101199003077777',
  buyerName: '张晓明',
  buyerTelephone: '13800138777',
  consigneeAddress: '北京市东城区演示路77号',
} as const;

export interface InventoryDeclarationFields {
  readonly guid: string;
  readonly orderNo: string;
  readonly copNo: string;
  readonly logisticsNo: string;
  readonly ebpCode: string;
  readonly agentCode: string;
}

/** customs' CEB621 inventory declaration (统一版, `ceb:` prefixed as customs' sample), head and one good. */
export function ceb621Xml(r: InventoryDeclarationFields, buyer = DEMO_BUYER): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB621Message guid="${randomUUID().toUpperCase()}" version="1.0" ${CEB_NS}>` +
    `<ceb:Inventory><ceb:InventoryHead>${el('guid', r.guid)}${el('appType', 1)}${el('appStatus', 2)}` +
    `${el('orderNo', r.orderNo)}${el('ebpCode', r.ebpCode)}${el('ebcCode', r.ebpCode)}${el('logisticsNo', r.logisticsNo)}` +
    `${el('copNo', r.copNo)}${el('preNo', '')}${el('invtNo', '')}${el('ieFlag', 'I')}${el('customsCode', '2991')}` +
    `${el('buyerIdType', buyer.buyerIdType)}${el('buyerIdNumber', buyer.buyerIdNumber)}${el('buyerName', buyer.buyerName)}` +
    `${el('buyerTelephone', buyer.buyerTelephone)}${el('consigneeAddress', buyer.consigneeAddress)}` +
    `${el('agentCode', r.agentCode)}${el('currency', 142)}</ceb:InventoryHead>` +
    `<ceb:InventoryList>${el('gnum', 1)}${el('itemName', '婴儿奶粉')}${el('qty', 2)}${el('price', 199)}</ceb:InventoryList>` +
    `</ceb:Inventory></ceb:CEB621Message>`
  );
}

/** The same message with customs' default namespace instead of `ceb:` on every element (its receipt samples). */
export function withDefaultNamespace(xml: string): string {
  return xml.replaceAll('<ceb:', '<').replaceAll('</ceb:', '</').replace('xmlns:ceb=', 'xmlns=');
}

/** A clearance party's notice object (tmall.hk.clearance.info.send fields). */
export function clearanceNotice(n: {
  orderNo: string;
  status: 1 | 2;
  resultCode?: string;
  at: number;
  idempotent: string;
  portNo?: string;
  passNo?: string;
  receipt?: string;
}): Record<string, string | number> {
  return {
    order_id: n.orderNo,
    clearance_status: n.status,
    ...(n.resultCode ? { clearance_result_code: n.resultCode } : {}),
    clearance_port_no: n.portNo ?? '2991',
    clearance_time: formatClearanceTime(n.at),
    ...(n.passNo ? { customs_pass_no: n.passNo } : {}),
    ...(n.receipt ? { customs_return_receipt: n.receipt } : {}),
    idempotent: n.idempotent,
  };
}

export interface CallbackResponse {
  readonly status: number;
  readonly text: string;
  readonly reply: { msg_success?: boolean; msg_code?: string; msg_info?: string } | undefined;
}

/** POST one callback, signed now by `partner`. */
export async function sendCallback(
  url: string,
  body: string,
  contentType: string,
  signer: { partner: string; secret: string; timestamp?: number },
): Promise<CallbackResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...signedHeaders(signer.partner, signer.secret, body, signer.timestamp ?? Date.now()),
    },
    body,
  });
  const text = await res.text();
  let reply: CallbackResponse['reply'];
  try {
    reply = JSON.parse(text) as CallbackResponse['reply'];
  } catch {
    const code = /<msg_code>([^<]*)<\/msg_code>/.exec(text)?.[1];
    reply = code === undefined ? undefined : { msg_success: code === 'SUCCESS', msg_code: code };
  }
  return { status: res.status, text, reply };
}

export interface DemoClearanceResult {
  readonly orders: readonly { readonly orderNo: string; readonly status: OrderStatus | undefined }[];
  readonly released: number;
  /** callbacks not answered SUCCESS (a duplicate is answered SUCCESS) */
  readonly refused: number;
  readonly elapsedMs: number;
}

/**
 * Send each order's clearance callbacks to the running API and read back its status.
 * Per order: CEB312 2, then CEB622 800 (filed under its copNo: no link to the order yet), then CEB312
 * 120 (late: it happened before the 800), the 800 again (a repeat), the CEB621 that links the copNo to
 * the order, and the broker's result notice (JSON or form, alternately).
 */
export async function sendDemoClearance(opts: {
  apiUrl: string;
  orderNos: readonly string[];
  ebpCode?: string;
  partner?: string;
  secret?: string;
}): Promise<DemoClearanceResult> {
  const started = Date.now();
  const partner = opts.partner ?? DEMO_PARTNER;
  const signer = { partner, secret: opts.secret ?? partnerSecretFromEnv(partner) };
  const url = `${opts.apiUrl}/clearance/callback`;
  const ebpCode = opts.ebpCode ?? '46016602EV';
  let refused = 0;
  const send = async (body: string, type: string) => {
    const res = await sendCallback(url, body, type, signer);
    if (res.reply?.msg_code !== 'SUCCESS') refused++;
  };

  await Promise.all(
    opts.orderNos.map(async (orderNo, i) => {
      const t0 = started - 30 * 60_000;
      const orderGuid = randomUUID().toUpperCase();
      const invtGuid = randomUUID().toUpperCase();
      const base = { ebpCode, ebcCode: ebpCode, orderNo, guid: orderGuid };
      const invtNo = `29912026I${String(100000 + i)}`;
      // The declaring agent's own number for the inventory, not the orderNo.
      const copNo = `NB${orderGuid.slice(0, 8)}${i}`;
      const released = ceb622Xml({
        ...base,
        guid: invtGuid,
        customsCode: '2991',
        agentCode: '4601980001',
        copNo,
        preNo: `B2026${String(10000000 + i)}`,
        invtNo,
        returnStatus: 800,
        at: t0 + 20 * 60_000,
        returnInfo: '放行',
      });
      await send(
        ceb312Xml({ ...base, returnStatus: 2, at: t0, returnInfo: '新增申报成功' }),
        'application/xml',
      );
      await send(released, 'application/xml');
      await send(
        ceb312Xml({
          ...base,
          returnStatus: 120,
          at: t0 + 2 * 60_000,
          returnInfo: '[Code:2600;Desc:海关入库成功]',
        }),
        'application/xml',
      );
      await send(released, 'application/xml');
      await send(
        ceb621Xml({
          guid: invtGuid,
          orderNo,
          copNo,
          logisticsNo: `LN${invtNo}`,
          ebpCode,
          agentCode: '4601980001',
        }),
        'application/xml',
      );
      const notice = clearanceNotice({
        orderNo,
        status: 2,
        resultCode: '0000',
        at: t0 + 21 * 60_000,
        idempotent: `demo-${orderGuid.slice(0, 8)}`,
        passNo: invtNo,
        receipt: '订单已放行',
      });
      if (i % 2 === 0)
        await send(JSON.stringify({ order_clearance_info_request: notice }), 'application/json');
      else
        await send(
          new URLSearchParams({ order_clearance_info_request: JSON.stringify(notice) }).toString(),
          'application/x-www-form-urlencoded; charset=UTF-8',
        );
    }),
  );

  const orders = await Promise.all(
    opts.orderNos.map(async (orderNo) => {
      // An IAM-authorized route: the demo signs as the local stack's identity, as an operator's tool would.
      const res = await signedFetch(
        `${opts.apiUrl}/orders/${encodeURIComponent(orderNo)}/status`,
        {},
        { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
      );
      return { orderNo, status: res.ok ? ((await res.json()) as OrderStatus) : undefined };
    }),
  );
  return {
    orders,
    released: orders.filter((o) => o.status?.clearance.state === 'released').length,
    refused,
    elapsedMs: Date.now() - started,
  };
}

/** The demo orders' clearance, one row each, for the terminal. */
export function clearanceTable(result: DemoClearanceResult): string {
  const table = new Table({
    head: ['orderNo', 'clearance', 'by', 'events', 'arrived out of order', 'grab sessions'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const { orderNo, status } of result.orders) {
    const c = status?.clearance;
    table.push([
      orderNo,
      c?.state ?? '-',
      c?.current ? `${c.current.source} ${c.current.code}` : '-',
      String(c?.timeline.length ?? 0),
      String(c ? arrivedLate(c.timeline) : 0),
      String(status?.sessions.length ?? 0),
    ]);
  }
  return table.toString();
}

/** Events that arrived after one that happened later than they did. */
function arrivedLate(timeline: OrderStatus['clearance']['timeline']): number {
  return timeline.filter((e) => timeline.some((f) => f.eventAt > e.eventAt && f.receivedAt < e.receivedAt))
    .length;
}
