/** The staging labels a rotation moves between a secret's versions (Secrets Manager's names). */
export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

/** One of the three stages a rotation uses. */
export type Stage = typeof CURRENT | typeof PENDING | typeof PREVIOUS;
