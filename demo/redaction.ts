// Failure output may quote terraform or the rotation function. Whatever it quotes goes through here first,
// so the demo never prints a secret access key or a secret value, and shows access key ids only masked.
import { maskKeyId } from '../emulator/aws-state';

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g;
// AWS secret access keys are 40 characters of base64; a loose match also hides look-alikes (hashes), which is fine.
const SECRET_ACCESS_KEY_LIKE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;
const SECRET_FIELDS =
  /("(?:secretkey|SecretString|SecretAccessKey|secretAccessKey|SessionToken|sessionToken)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Secrets the demo has seen (keys read from the secrets, the emulator's admin key): always hidden. */
  remember(secret: string): void {
    if (secret !== '') this.secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.split(secret).join(REDACTED);
    return result
      .replace(SECRET_FIELDS, `$1"${REDACTED}"`)
      .replace(SECRET_ACCESS_KEY_LIKE, REDACTED)
      .replace(ACCESS_KEY_ID, (id) => maskKeyId(id));
  }
}

/** The last `count` non-empty lines of a text. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-count);
}
