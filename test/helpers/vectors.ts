import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real E-Port card vectors, kept in the repo (see test/fixtures/vectors/README.md for their source). */
export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vectors');

interface VectorsFile {
  certificate: string;
  certNo: string;
  vectors: { name: string; signSource: string; signValue: string; payExInfoStr?: string; expect?: string }[];
}

export const vectorsFile = (): VectorsFile =>
  JSON.parse(readFileSync(join(VECTORS_DIR, 'vectors.json'), 'utf8')) as VectorsFile;
export const vectorText = (name: string): string => readFileSync(join(VECTORS_DIR, name), 'utf8');
