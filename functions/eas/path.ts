/** The ActiveSync endpoint's path (MS-ASHTTP), shared with Autodiscover without loading the handlers. */
export const EAS_PATH = '/Microsoft-Server-ActiveSync';
