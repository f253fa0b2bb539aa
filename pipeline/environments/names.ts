/** Environment names, apart from the warehouse code so that reading the configuration loads no database library. */

/** The environment every command works in unless told otherwise: what exists without environments. */
export const PROD = 'prod';

/** Letters, digits, `-` and `_`, at most 40 characters. */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9_-]{1,40}$/;

export const ENVIRONMENT_NAME_RULE = 'letters, digits, - and _, at most 40 characters';
