/** --region and --profile; unset, the SDK's own chain applies (AWS_REGION, AWS_PROFILE, config files, roles). */
export interface AwsSettings {
  readonly region?: string;
  readonly profile?: string;
}

/**
 * The config every client of the CLI gets. The endpoint is left to the SDK, which honours AWS_ENDPOINT_URL (and
 * AWS_ENDPOINT_URL_<SERVICE>) natively.
 */
export function clientConfig(settings: AwsSettings): { region?: string; profile?: string } {
  return {
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.profile === undefined ? {} : { profile: settings.profile }),
  };
}

/** Anything that holds sockets until destroyed: every SDK client. */
export interface Destroyable {
  destroy(): void;
}

/** Creates each client on first use only, and destroys the ones created, so the process exits at once. */
export class LazyClient<T extends Destroyable> {
  private client: T | undefined;

  constructor(private readonly create: () => T) {}

  get(): T {
    this.client ??= this.create();
    return this.client;
  }

  destroy(): void {
    this.client?.destroy();
    this.client = undefined;
  }
}
