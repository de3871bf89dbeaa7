/** The customs simulator: customs' side of platDataOpen / realTimeDataUpload, for tests and the local run. */

export {
  type CustomsKnowledge,
  checkUpload,
  decideUploadRequest,
  type UploadDecision,
} from './check-upload.ts';
export { type SessionStatus, SimulatorWaitTimeoutError, type UploadRecord } from './customs-state.ts';
export { type FaultPlan, type Faults, planFault } from './faults.ts';
export { UploadMessage, UploadReplyCode } from './reply-codes.ts';
export { buildOpenReq, CUSTOMS_USER_AGENT, type GrabOptions, type GrabResult } from './send-grab.ts';
export { type CustomsSimulator, type CustomsSimulatorOptions, startCustomsSimulator } from './server.ts';
export { newSessionID } from './session-id.ts';
export { makeSignedUpload, type SignedUploadInput } from './signed-upload.ts';
export { UPLOAD_PATH } from './upload-route.ts';
