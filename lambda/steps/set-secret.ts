import type { Dependencies, StepInput } from '../dependencies';

/**
 * setSecret: nothing to do. IAM activates a key when it creates it, so the "service" already accepts the
 * pending key once createSecret has run.
 * @throws nothing.
 */
export async function setSecret(_input: StepInput, { logger }: Pick<Dependencies, 'logger'>): Promise<void> {
  logger.info('nothing to set: IAM activated the key when createSecret created it', { outcome: 'nothing-to-do' });
}
