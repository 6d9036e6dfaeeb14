// Writing Terraform (HCL) expressions from TypeScript: string literals, and the `${...}` form Terraform JSON takes.

/**
 * A string as an HCL string literal: JSON's escapes are HCL's, and `${` / `%{` are escaped so the text stays literal
 * (Terraform would read them as an interpolation or a directive).
 */
export function hclString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/** An HCL expression as Terraform JSON writes it: a string holding only the interpolation. */
export function interpolation(expression: string): string {
  return `\${${expression}}`;
}

/** `can(regex(<pattern>, <value>))` for a JavaScript regular expression that RE2 (Terraform's) reads the same. */
export function matches(pattern: RegExp, value: string): string {
  return `can(regex(${hclString(pattern.source)}, ${value}))`;
}
