/** The webmail's filter rules and their Sieve form (issue #18). */
export * from './model';
export { quote, RULE_MARKER, RULES_HEADER, rulesToSieve, SPAM_HEADER } from './generate';
export { sieveToRules } from './read';
