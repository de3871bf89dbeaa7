import {
  CERT_NOT_REGISTERED,
  DUPLICATE_SESSION_MESSAGE,
  FAILURE,
  SUCCESS,
} from '#core/protocol/reply-codes.ts';

/**
 * The codes the simulator answers realTimeDataUpload with. 10000, 20000 and 20004 are customs' own
 * (spec 1.6.4, docs/protocol.md §2); the rest of 20001-21000 are ours, one per kind of refusal, so a test
 * can tell them apart. Messages are Chinese first, as customs writes them, with English after.
 *
 *   10000  上传成功                                   accepted
 *   20000  <field> : <field>不为空                    a required top-level field is missing or empty
 *   20000  数据校验失败 ... <path> : <rule>             a field rule of the 接口内容 table is broken
 *   20000  入库失败 ...                                the sessionID was already accepted (the worker keys on this text)
 *   20000  入库失败                                    storing the upload failed (injected: faults.ts storageFailureFirstRate)
 *   20001  payExInfoStr : payExInfoStr不为空          no form field payExInfoStr (or not a form body)
 *   20002  payExInfoStr : 不是合法的JSON               payExInfoStr is not a JSON object
 *   20003  sessionID : 会话不存在                      a sessionID this customs never issued
 *   20004  企业实时数据获取验签证书未在服务系统注册        no certificate with that certNo registered for head.ebpCode
 *   20005  验签失败                                    the signature does not verify over the rebuilt sign source
 *   20006  需返回原始请求内的所有订单                    an order of the payment (or the requested order) is missing
 *   20007  payTransactionId : 与申报的支付交易不符       the requested order was declared under another payment
 *   20008  guid : guid重复                             the guid was already used by an accepted upload
 */
export const UploadReplyCode = {
  accepted: SUCCESS,
  failed: FAILURE,
  noForm: '20001',
  notJson: '20002',
  unknownSession: '20003',
  certNotRegistered: CERT_NOT_REGISTERED,
  badSignature: '20005',
  ordersMissing: '20006',
  paymentMismatch: '20007',
  guidReused: '20008',
} as const;
export type UploadReplyCode = (typeof UploadReplyCode)[keyof typeof UploadReplyCode];

export const UploadMessage = {
  accepted: '上传成功',
  /** customs could not store the upload: the same words as for a session it already holds */
  storageFailed: DUPLICATE_SESSION_MESSAGE,
  missingField: (field: string, expected: string) =>
    `${field} : ${field}不为空 (${field} is required: ${expected})`,
  fieldRules: (issues: readonly { path: string; rule: string }[]) =>
    `数据校验失败 (field rules broken): ${issues.map((i) => `${i.path} : ${i.rule}`).join('; ')}`,
  duplicateSession: (sessionID: string) =>
    `${DUPLICATE_SESSION_MESSAGE}：sessionID ${sessionID} 已上传 (this sessionID was already uploaded and accepted)`,
  noForm: (why: string) => `payExInfoStr : payExInfoStr不为空 (${why})`,
  notJson: (why: string) => `payExInfoStr : 不是合法的JSON (payExInfoStr is not a JSON object: ${why})`,
  unknownSession: (sessionID: string) =>
    `sessionID : 会话不存在 (sessionID ${sessionID} was not issued by customs)`,
  certNotRegistered: (ebpCode: string, certNo: string) =>
    `企业实时数据获取验签证书未在服务系统注册 (no certificate ${certNo} is registered for ebpCode ${ebpCode})`,
  badSignature: (reason: string) => `验签失败 (the signature does not verify: ${reason})`,
  ordersMissing: (missing: readonly string[]) =>
    `需返回原始请求内的所有订单：缺少订单 ${missing.join(', ')} (every order of the payment must be uploaded; missing ${missing.join(', ')})`,
  paymentMismatch: (orderNo: string, declared: string, sent: string) =>
    `payTransactionId : 与申报的支付交易不符 (order ${orderNo} was paid by ${declared}, not ${sent})`,
  guidReused: (guid: string) => `guid : guid重复 (guid ${guid} was already used by an accepted upload)`,
} as const;
