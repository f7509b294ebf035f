// cloud-init's templater.render_string for simple messages: "## template: jinja" text has its
// {{ name }} references replaced; other text uses $name / ${name} (its "basic" renderer). Unknown
// names render as CI_MISSING_JINJA_VAR/<name> (jinja) or empty (basic), as cloud-init does.
export function renderTemplateString(text: string, vars: Record<string, string>): string {
  const m = /^##\s*template:\s*jinja[^\n]*\n?/i.exec(text);
  if (m) {
    return text.slice(m[0].length).replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, k: string) => (k in vars ? (vars[k] as string) : `CI_MISSING_JINJA_VAR/${k}`));
  }
  const body = /^##\s*template:\s*basic[^\n]*\n?/i.test(text) ? text.replace(/^##\s*template:\s*basic[^\n]*\n?/i, '') : text;
  return body.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => vars[(a ?? b) as string] ?? '');
}
