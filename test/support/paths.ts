import * as path from 'path';

/** The repository's root folder. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
