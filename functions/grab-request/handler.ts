import { grabRequestDeps } from '#functions/composition/grab-request.ts';
import { createGrabRequestHandler } from './grab-request.ts';

/** POST /platDataOpen's Lambda entry: deps from the environment, once per container. */
export const handler = createGrabRequestHandler(grabRequestDeps());
