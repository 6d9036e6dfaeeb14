import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DEFAULT_PREVIOUS_KEY_ACTION,
  DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
  DEFAULT_PREVIOUS_KEY_IN_USE,
  type PreviousKeyPolicy,
} from '../core/contract';
import { parseArn, type ParsedArn } from '../core/arn';
import { loadFunctionSettings } from '../core/function-settings';
import { bindingProblem, BINDING_RULE, isManagedSecret, type ManagedSecrets } from '../core/managed-secrets';
import { isMissingRegion } from './aws-errors';

/** What the CLI needs from a rotation function's environment: the stack's previous-key policy and trust boundary. */
export interface StackSettings {
  readonly previousKeyPolicy: PreviousKeyPolicy;
  /** Undefined when the function's configuration could not be read: then the tag alone vouches for a secret. */
  readonly boundary?: { readonly secrets: ManagedSecrets; readonly functionArn: ParsedArn };
  /** Why the boundary is unknown, for the operator. */
  readonly note?: string;
}

export const DEFAULT_STACK_POLICY: PreviousKeyPolicy = {
  action: DEFAULT_PREVIOUS_KEY_ACTION,
  graceDays: DEFAULT_PREVIOUS_KEY_GRACE_DAYS,
  inUse: DEFAULT_PREVIOUS_KEY_IN_USE,
};

/** Reads each rotation function's configuration once (lambda:GetFunctionConfiguration), however many secrets share it. */
export class RotationFunctionSettings {
  private readonly cache = new Map<string, Promise<StackSettings>>();

  constructor(private readonly lambda: () => LambdaClient) {}

  of(functionArn: string): Promise<StackSettings> {
    let settings = this.cache.get(functionArn);
    if (settings === undefined) {
      settings = this.read(functionArn);
      this.cache.set(functionArn, settings);
    }
    return settings;
  }

  /**
   * The function's name when it is in the client's region, else its ARN. The construct deploys the function with its
   * secrets, so a name finds it; and a path without colons is one the local emulator can verify signatures of.
   */
  private async functionName(functionArn: string): Promise<string> {
    const arn = parseArn(functionArn);
    if (arn === undefined || arn.region !== (await this.lambda().config.region())) return functionArn;
    return functionNameOf(functionArn);
  }

  private async read(functionArn: string): Promise<StackSettings> {
    const fallback = (why: string): StackSettings => ({
      previousKeyPolicy: DEFAULT_STACK_POLICY,
      note:
        `could not read the configuration of rotation function ${functionArn} (${why}): its secrets are taken as managed by their ` +
        `iam-key-rotation:user tag alone, with the default previous-key policy (${DEFAULT_STACK_POLICY.action}, ${DEFAULT_STACK_POLICY.graceDays} days)`,
    });
    let response;
    try {
      response = await this.lambda().send(
        new GetFunctionConfigurationCommand({ FunctionName: await this.functionName(functionArn) }),
      );
    } catch (error) {
      // No credentials or region at all fails every other call too: that is the command's error, not a note.
      if (error instanceof Error && (error.name === 'CredentialsProviderError' || isMissingRegion(error))) throw error;
      return fallback(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
    const parsedArn = parseArn(response.FunctionArn ?? functionArn);
    if (parsedArn === undefined) return fallback('its ARN does not parse');
    try {
      const config = loadFunctionSettings(response.Environment?.Variables ?? {}, {});
      return {
        previousKeyPolicy: config.previousKeyPolicy,
        boundary: { secrets: config.managedSecrets, functionArn: parsedArn },
      };
    } catch (error) {
      return fallback(error instanceof Error ? error.message : String(error));
    }
  }
}

/** Whether the function's MANAGED_SECRETS (its account, region and partition) cover the secret; true when unknown. */
export function coversSecret(settings: StackSettings, secretArn: string): boolean {
  return (
    settings.boundary === undefined ||
    isManagedSecret(secretArn, settings.boundary.secrets, settings.boundary.functionArn)
  );
}

/**
 * Why the secret does not bind the user its tag names, per the function's MANAGED_SECRETS (see ManagedSecretEntry in
 * core/contract.ts), in words for the operator; undefined when it does, or when the boundary is unknown.
 */
export function bindingProblemOf(settings: StackSettings, secretName: string, userName: string): string | undefined {
  if (settings.boundary === undefined) return undefined;
  const problem = bindingProblem(secretName, userName, settings.boundary.secrets);
  return problem === undefined
    ? undefined
    : `it does not bind user ${userName}: ${problem} (${BINDING_RULE}), so its rotation function refuses it`;
}

/** `iam-key-rotation` from `arn:aws:lambda:us-east-1:123456789012:function:iam-key-rotation`. */
export function functionNameOf(functionArn: string): string {
  const resource = parseArn(functionArn)?.resource ?? functionArn;
  return resource.replace(/^function:/, '').split(':')[0];
}
