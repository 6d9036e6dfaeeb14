import * as path from 'path';
import * as ts from 'typescript';
import * as errors from '../../core/errors';

const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda');

type ErrorClass = new (...args: unknown[]) => errors.RotationError;

const ERROR_CLASSES: [string, ErrorClass][] = Object.entries(errors).flatMap(([name, value]): [string, ErrorClass][] =>
  typeof value === 'function' && (value === errors.RotationError || value.prototype instanceof errors.RotationError)
    ? [[name, value as unknown as ErrorClass]]
    : [],
);

/** Builds one error of each class the way the function does, with a cause. */
function construct(className: string, Constructor: ErrorClass, cause: Error): errors.RotationError {
  const scope = { secretId: 'arn:secret', step: 'testSecret', token: 'v1' };
  return className === 'UnmanagedKeyError'
    ? new Constructor(scope, 'what is wrong', ['AKIAEXAMPLE'], { cause })
    : new Constructor(scope, 'what is wrong', { cause });
}

interface ThrowSite {
  readonly where: string;
  readonly thrown: string;
  /** The thrown value is a caught error passed on as it is. */
  readonly rethrown: boolean;
}

/** Every `throw` in the function's sources, with the type the compiler gives the thrown value. */
function throwSites(): ThrowSite[] {
  const program = ts.createProgram([path.join(LAMBDA_DIR, 'index.ts')], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  });
  const checker = program.getTypeChecker();

  const sites: ThrowSite[] = [];
  for (const source of program.getSourceFiles()) {
    if (!source.fileName.startsWith(LAMBDA_DIR)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isThrowStatement(node)) {
        const rethrown =
          ts.isIdentifier(node.expression) &&
          checker
            .getSymbolAtLocation(node.expression)
            ?.declarations?.some((declaration) => ts.isCatchClause(declaration.parent)) === true;
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        sites.push({
          where: `${path.relative(LAMBDA_DIR, source.fileName)}:${line + 1}`,
          thrown: checker.typeToString(checker.getTypeAtLocation(node.expression)),
          rethrown,
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

describe('RotationError family', () => {
  test('every error the function throws is a RotationError, or an AWS error it caught and passes on', () => {
    // WHEN
    const sites = throwSites();

    // THEN each throw names a class of the family (exported from errors.ts, so the tests below cover it)
    expect(sites.length).toBeGreaterThan(20);
    const isRotationError = (site: ThrowSite): boolean =>
      ERROR_CLASSES.some(([className]) => className === site.thrown);
    expect(sites.filter((site) => !site.rethrown && !isRotationError(site))).toEqual([]);
  }, 60_000);

  test.each(ERROR_CLASSES)(
    '%s names itself (minification-proof), is an Error and keeps its cause',
    (className, ErrorClass) => {
      // GIVEN
      const cause = new Error('underlying');

      // WHEN
      const error = construct(className, ErrorClass, cause);

      // THEN
      expect(error.name).toBe(className);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(errors.RotationError);
      expect(error.message).toBe('testSecret for secret arn:secret (version v1): what is wrong');
      expect(error.cause).toBe(cause);
    },
  );

  test('a scope with nothing known still reads well', () => {
    expect(errors.describeScope({})).toBe('rotation');
  });
});
