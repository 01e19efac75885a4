// The CLI commands the compliance page suggests, written for one version.

/** A shell word, quoted when it needs to be. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The CLI commands the page suggests for a version. */
export function commands(name: string, version: number | string) {
  const uri = shellQuote(`models:/${name}/${version}`);
  return {
    annexIv: `trackrecord report annex-iv ${uri} --manual provider.yaml`,
    sign: `trackrecord sign model ${uri} --meaning approve`,
    market: `trackrecord retention market ${shellQuote(name)} ${version} --date YYYY-MM-DD`,
    hold: `trackrecord retention hold ${shellQuote(`model:${name}/${version}`)} --reason "…"`,
  };
}
