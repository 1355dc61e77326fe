/**
 * Calendar class (MS-ASCAL) ↔ iCalendar VEVENT: calendar-export.ts renders a stored event as
 * ApplicationData, calendar-import.ts applies a device's ApplicationData to a new or stored event.
 */
export { eventToApplicationData, type CalendarRenderContext } from './calendar-export';
export { applicationDataToEvent, InvalidEasItem, type CalendarImportContext } from './calendar-import';
