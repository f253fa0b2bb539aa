/** The formats of `diff`, apart from the formatter so that the command line loads nothing more. */
export const DIFF_FORMATS = ['text', 'json', 'markdown'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];
