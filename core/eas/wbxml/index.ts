export { CODE_PAGES, namespaceOf, pageOf, tagName, tagToken, type CodePage } from './code-pages';
export { decodeWbxml } from './decoder';
export { encodeWbxml } from './encoder';
export { DEFAULT_WBXML_LIMITS, WbxmlError, type WbxmlLimits } from './errors';
export { toXml } from './xml';
export { child, childrenNamed, el, textAt, type EasElement } from './tree';
