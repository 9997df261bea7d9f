/** BCP 47 locales: the canonical spelling, and the order a template is looked for in. */

/** `fr-ca` -> `fr-CA`; undefined for a tag that is not a well-formed language tag. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** `zh-Hant-TW` -> `zh-Hant-TW`, `zh-Hant`, `zh`. */
const withParents = (tag: string): string[] => {
  const parts = tag.split('-');
  return parts.map((_part, i) => parts.slice(0, parts.length - i).join('-'));
};

/** Where a template is looked for: the customer's locale and its parents, the channel default and its parents, then `en`. */
export function localeFallbacks(locale: string, channelDefault: string): string[] {
  const chain = [
    ...withParents(canonicalLocale(locale) ?? 'en'),
    ...withParents(canonicalLocale(channelDefault) ?? 'en'),
    'en',
  ];
  return [...new Set(chain)];
}
