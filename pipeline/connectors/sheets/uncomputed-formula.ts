/**
 * A formula cell saved without its result, as a program that writes workbooks without
 * calculating them leaves it: there is no value to read, and empty would be a wrong one.
 */
export class UncomputedFormula {
  constructor(
    /** A1 reference, e.g. `C7`. */
    readonly address: string,
    readonly formula: string,
  ) {}

  /** What is wrong, and how to fix it. */
  get problem(): string {
    return `cell ${this.address} holds the formula =${this.formula} without a saved result: open the file in a spreadsheet program and save it (which calculates it), or export the values`;
  }
}
