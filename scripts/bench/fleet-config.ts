// The app configs the bench synthesizes and deploys: a fleet of N users under one stack, in the
// rotation.config.json format (lib/app/config.ts checks them like any other config).

export interface FleetConfigOptions {
  /** How many IAM users the stack rotates. */
  readonly users: number;
  /** The construct's `name` (function, role and secret-name prefix). @default 'iam-key-rotation' */
  readonly name?: string;
  /** Users are named `<userPrefix>-00001`, `<userPrefix>-00002`, ... @default 'bench-user' */
  readonly userPrefix?: string;
  /**
   * The stack creates the users. Otherwise they must exist and are looked up by name, as in a real fleet.
   * @default false
   */
  readonly createUsers?: boolean;
}

export interface FleetUser {
  readonly name: string;
  readonly createUser?: boolean;
}

export interface FleetConfig {
  readonly region: string;
  readonly name: string;
  readonly schedule: { readonly automaticallyAfterDays: number };
  readonly tags: Record<string, string>;
  readonly users: readonly FleetUser[];
}

const REGION = 'us-east-1';
// A day count, not a cron expression: moto stores a schedule expression as rotation disabled.
const ROTATION_DAYS = 90;
// Wide enough for 99,999 users, so names sort in creation order.
const USER_NUMBER_DIGITS = 5;

/** `bench-user-00001`, `bench-user-00002`, ...: IAM-valid names, unique case-insensitively. */
export function fleetUserNames(users: number, prefix = 'bench-user'): string[] {
  if (!Number.isInteger(users) || users < 1)
    throw new Error(`a fleet needs a whole number of users, at least 1, got ${users}`);
  return Array.from(
    { length: users },
    (_, index) => `${prefix}-${String(index + 1).padStart(USER_NUMBER_DIGITS, '0')}`,
  );
}

export function fleetConfig(options: FleetConfigOptions): FleetConfig {
  return {
    region: REGION,
    name: options.name ?? 'iam-key-rotation',
    schedule: { automaticallyAfterDays: ROTATION_DAYS },
    tags: { project: 'iam-key-rotation-bench' },
    users: fleetUserNames(options.users, options.userPrefix).map((name) =>
      options.createUsers ? { name, createUser: true } : { name },
    ),
  };
}
