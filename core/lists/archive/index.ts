/** List archives (issue #17): what posting (archivePost), the webmail and the admin API call. */
export { archivePost, removeArchived, type ArchiveList } from './archive-post';
export { archiveMonth, archiveMonths, archivedPost, searchArchive, type ArchiveEntry } from './archive-read';
export { archiveAccess, findArchiveList, type ArchiveListRow } from './archive-access';
export { exportMboxPage, mboxrdEntry, parseMboxrd } from './mbox';
export { archiveIndexUrl, archiveUrl, ARCHIVE_ID } from './permalink';
