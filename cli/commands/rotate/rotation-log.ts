import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { maskAccessKeyId } from '../../../core/sweep/findings';

/** One line the rotation function logged for a rotation (JSON: step, version, message, outcome, error). */
export interface RotationLogLine {
  readonly eventId: string;
  readonly timestamp: number;
  readonly step: string;
  readonly message: string;
  readonly outcome?: string;
  readonly error?: string;
}

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g;

/** Key ids are shown masked, as everywhere in the CLI. */
export function maskKeyIds(text: string): string {
  return text.replace(ACCESS_KEY_ID, (id) => maskAccessKeyId(id));
}

/** Reads a rotation's lines from the function's log group; remembers which it has returned. */
export class RotationLog {
  private readonly seen = new Set<string>();

  constructor(
    private readonly logs: () => CloudWatchLogsClient,
    readonly logGroupName: string,
    private readonly token: string,
    private readonly since: number,
  ) {}

  /** The lines not returned before, oldest first. AWS errors pass through. */
  async newLines(): Promise<RotationLogLine[]> {
    const lines: RotationLogLine[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.logs().send(
        new FilterLogEventsCommand({
          logGroupName: this.logGroupName,
          startTime: this.since,
          filterPattern: JSON.stringify(this.token),
          nextToken,
        }),
      );
      for (const event of page.events ?? []) {
        const line =
          event.eventId === undefined || this.seen.has(event.eventId)
            ? undefined
            : parseLine(event.eventId, event.timestamp ?? 0, event.message ?? '', this.token);
        if (line === undefined) continue;
        this.seen.add(line.eventId);
        lines.push(line);
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return lines.sort((a, b) => a.timestamp - b.timestamp);
  }
}

function parseLine(eventId: string, timestamp: number, text: string, token: string): RotationLogLine | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const fields = entry as Record<string, unknown>;
  if (fields.version !== token || typeof fields.step !== 'string' || typeof fields.message !== 'string')
    return undefined;
  return {
    eventId,
    timestamp,
    step: fields.step,
    message: maskKeyIds(fields.message),
    ...(typeof fields.outcome === 'string' ? { outcome: fields.outcome } : {}),
    ...(fields.error === undefined ? {} : { error: maskKeyIds(describeLoggedError(fields.error)) }),
  };
}

/** `Name: message (cause: Name: message)`, from the function's describeError shape. */
function describeLoggedError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: unknown };
  const text = `${String(name ?? 'Error')}: ${String(message ?? '')}`;
  return cause === undefined ? text : `${text} (cause: ${describeLoggedError(cause)})`;
}
