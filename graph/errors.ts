/** One thing wrong with the declarations, tied to the file it is in when there is one. */
export interface Problem {
  readonly file?: string;
  readonly message: string;
}

/**
 * The declarations (or a command's selection of them) are invalid. Raised before
 * anything runs; the CLI exits with code 2.
 */
export class DefinitionError extends Error {
  readonly code = 'definition';

  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((problem) => (problem.file ? `${problem.file}: ${problem.message}` : problem.message)).join('\n'));
    this.name = 'DefinitionError';
  }
}

/** A selector that cannot be parsed or matches no node. Exit code 2. */
export class SelectorError extends Error {
  readonly code = 'selector';

  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}
