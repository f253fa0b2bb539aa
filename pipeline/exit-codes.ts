/** The process exit codes every command uses (see the README). */
export const EXIT = { ok: 0, failed: 1, invalid: 2, locked: 3, interrupted: 130, terminated: 143, hangup: 129 } as const;

/** Error codes (the `code` of DefinitionError, SelectorError, …) that mean "the command or the declarations are invalid". */
export const INVALID_CODES: ReadonlySet<string> = new Set(['definition', 'selector', 'week_format', 'config', 'refused', 'usage']);
