/**
 * The ActiveSync code pages (MS-ASWBXML §2.1.2.1): page number → namespace and tag names. Each
 * list starts at token 0x05 (0x00–0x04 are WBXML global tokens); "-" marks a token the spec
 * leaves unused (Calendar 0x2B–0x32 were attachment tokens of old versions). Names follow
 * MS-ASWBXML and the class specs (MS-ASEMAIL, MS-ASCAL …), as the XML examples of MS-ASCMD
 * write them; libwbxml spells a few differently (test/unit/eas/libwbxml.ts lists them). Pages
 * 0–24 are complete, 16.x additions included (AirSyncBase Add…InstanceId, Email2 IsDraft/Bcc/Send,
 * Provision AccountOnlyRemoteWipe …). Data only: later commands need no codec change.
 */

export interface CodePage {
  /** Page number (the SWITCH_PAGE operand). */
  page: number;
  /** The XML namespace name, e.g. "AirSync" (MS-ASCMD examples write it "AirSync:"). */
  namespace: string;
  /** Tag names from token 0x05 upwards; '' = unused token. */
  tags: readonly string[];
}

/** Tags as whitespace-separated words (a compact table); "-" = unused token. */
function page(number: number, namespace: string, words: string): CodePage {
  const tags = words
    .trim()
    .split(/\s+/)
    .map((w) => (w === '-' ? '' : w));
  return { page: number, namespace, tags };
}

export const CODE_PAGES: readonly CodePage[] = [
  page(
    0,
    'AirSync',
    `
    Sync Responses Add Change Delete Fetch SyncKey ClientId ServerId Status Collection Class Version
    CollectionId GetChanges MoreAvailable WindowSize Commands Options FilterType Truncation
    RTFTruncation Conflict Collections ApplicationData DeletesAsMoves NotifyGUID Supported
    SoftDelete MIMESupport MIMETruncation Wait Limit Partial ConversationMode MaxItems
    HeartbeatInterval
  `,
  ),
  page(
    1,
    'Contacts',
    `
    Anniversary AssistantName AssistantPhoneNumber Birthday Body BodySize BodyTruncated
    Business2PhoneNumber BusinessAddressCity BusinessAddressCountry BusinessAddressPostalCode
    BusinessAddressState BusinessAddressStreet BusinessFaxNumber BusinessPhoneNumber CarPhoneNumber
    Categories Category Children Child CompanyName Department Email1Address Email2Address
    Email3Address FileAs FirstName Home2PhoneNumber HomeAddressCity HomeAddressCountry
    HomeAddressPostalCode HomeAddressState HomeAddressStreet HomeFaxNumber HomePhoneNumber JobTitle
    LastName MiddleName MobilePhoneNumber OfficeLocation OtherAddressCity OtherAddressCountry
    OtherAddressPostalCode OtherAddressState OtherAddressStreet PagerNumber RadioPhoneNumber Spouse
    Suffix Title WebPage YomiCompanyName YomiFirstName YomiLastName CompressedRTF Picture Alias
    WeightedRank
  `,
  ),
  page(
    2,
    'Email',
    `
    Attachment Attachments AttName AttSize Att0Id AttMethod AttRemoved Body BodySize BodyTruncated
    DateReceived DisplayName DisplayTo Importance MessageClass Subject Read To Cc From ReplyTo
    AllDayEvent Categories Category DtStamp EndTime InstanceType BusyStatus Location MeetingRequest
    Organizer RecurrenceId Reminder ResponseRequested Recurrences Recurrence Type Until Occurrences
    Interval DayOfWeek DayOfMonth WeekOfMonth MonthOfYear StartTime Sensitivity TimeZone GlobalObjId
    ThreadTopic MIMEData MIMETruncated MIMESize InternetCPID Flag Status ContentClass FlagType
    CompleteTime DisallowNewTimeProposal
  `,
  ),
  page(
    3,
    'AirNotify',
    `
    Notify Notification Version LifeTime DeviceInfo Enable Folder ServerId DeviceAddress
    ValidCarrierProfiles CarrierProfile Status Responses Devices Device Id Expiry NotifyGUID
    DeviceFriendlyName
  `,
  ),
  page(
    4,
    'Calendar',
    `
    TimeZone AllDayEvent Attendees Attendee Email Name Body BodyTruncated BusyStatus Categories
    Category CompressedRTF DtStamp EndTime Exception Exceptions Deleted ExceptionStartTime Location
    MeetingStatus OrganizerEmail OrganizerName Recurrence Type Until Occurrences Interval DayOfWeek
    DayOfMonth WeekOfMonth MonthOfYear Reminder Sensitivity Subject StartTime UID AttendeeStatus
    AttendeeType - - - - - - - - DisallowNewTimeProposal ResponseRequested AppointmentReplyTime
    ResponseType CalendarType IsLeapMonth FirstDayOfWeek OnlineMeetingConfLink
    OnlineMeetingExternalLink ClientUid
  `,
  ),
  page(
    5,
    'Move',
    `
    MoveItems Move SrcMsgId SrcFldId DstFldId Response Status DstMsgId
  `,
  ),
  page(
    6,
    'GetItemEstimate',
    `
    GetItemEstimate Version Collections Collection Class CollectionId DateTime Estimate Response
    Status
  `,
  ),
  page(
    7,
    'FolderHierarchy',
    `
    Folders Folder DisplayName ServerId ParentId Type Response Status ContentClass Changes Add
    Delete Update SyncKey FolderCreate FolderDelete FolderUpdate FolderSync Count Version
  `,
  ),
  page(
    8,
    'MeetingResponse',
    `
    CalendarId CollectionId MeetingResponse RequestId Request Result Status UserResponse Version
    InstanceId - ProposedStartTime ProposedEndTime SendResponse
  `,
  ),
  page(
    9,
    'Tasks',
    `
    Body BodySize BodyTruncated Categories Category Complete DateCompleted DueDate UtcDueDate
    Importance Recurrence Type Start Until Occurrences Interval DayOfMonth DayOfWeek WeekOfMonth
    MonthOfYear Regenerate DeadOccur ReminderSet ReminderTime Sensitivity StartDate UtcStartDate
    Subject CompressedRTF OrdinalDate SubOrdinalDate CalendarType IsLeapMonth FirstDayOfWeek
  `,
  ),
  page(
    10,
    'ResolveRecipients',
    `
    ResolveRecipients Response Status Type Recipient DisplayName EmailAddress Certificates
    Certificate MiniCertificate Options To CertificateRetrieval RecipientCount MaxCertificates
    MaxAmbiguousRecipients CertificateCount Availability StartTime EndTime MergedFreeBusy Picture
    MaxSize Data MaxPictures
  `,
  ),
  page(
    11,
    'ValidateCert',
    `
    ValidateCert Certificates Certificate CertificateChain CheckCRL Status
  `,
  ),
  page(
    12,
    'Contacts2',
    `
    CustomerId GovernmentId IMAddress IMAddress2 IMAddress3 ManagerName CompanyMainPhone AccountName
    NickName MMS
  `,
  ),
  page(
    13,
    'Ping',
    `
    Ping AutdState Status HeartbeatInterval Folders Folder Id Class MaxFolders
  `,
  ),
  page(
    14,
    'Provision',
    `
    Provision Policies Policy PolicyType PolicyKey Data Status RemoteWipe EASProvisionDoc
    DevicePasswordEnabled AlphanumericDevicePasswordRequired RequireStorageCardEncryption
    PasswordRecoveryEnabled DocumentBrowseEnabled AttachmentsEnabled MinDevicePasswordLength
    MaxInactivityTimeDeviceLock MaxDevicePasswordFailedAttempts MaxAttachmentSize
    AllowSimpleDevicePassword DevicePasswordExpiration DevicePasswordHistory AllowStorageCard
    AllowCamera RequireDeviceEncryption AllowUnsignedApplications AllowUnsignedInstallationPackages
    MinDevicePasswordComplexCharacters AllowWiFi AllowTextMessaging AllowPOPIMAPEmail AllowBluetooth
    AllowIrDA RequireManualSyncWhenRoaming AllowDesktopSync MaxCalendarAgeFilter AllowHTMLEmail
    MaxEmailAgeFilter MaxEmailBodyTruncationSize MaxEmailHTMLBodyTruncationSize
    RequireSignedSMIMEMessages RequireEncryptedSMIMEMessages RequireSignedSMIMEAlgorithm
    RequireEncryptionSMIMEAlgorithm AllowSMIMEEncryptionAlgorithmNegotiation AllowSMIMESoftCerts
    AllowBrowser AllowConsumerEmail AllowRemoteDesktop AllowInternetSharing
    UnapprovedInROMApplicationList ApplicationName ApprovedApplicationList Hash
    AccountOnlyRemoteWipe
  `,
  ),
  page(
    15,
    'Search',
    `
    Search - Store Name Query Options Range Status Response Result Properties Total EqualTo Value
    And Or FreeText - DeepTraversal LongId RebuildResults LessThan GreaterThan Schema Supported
    UserName Password ConversationId Picture MaxSize MaxPictures
  `,
  ),
  page(
    16,
    'GAL',
    `
    DisplayName Phone Office Title Company Alias FirstName LastName HomePhone MobilePhone
    EmailAddress Picture Status Data
  `,
  ),
  page(
    17,
    'AirSyncBase',
    `
    BodyPreference Type TruncationSize AllOrNone - Body Data EstimatedDataSize Truncated Attachments
    Attachment DisplayName FileReference Method ContentId ContentLocation IsInline NativeBodyType
    ContentType Preview BodyPartPreference BodyPart Status Add Delete ClientId Content Location
    Annotation Street City State Country PostalCode Latitude Longitude Accuracy Altitude
    AltitudeAccuracy LocationUri InstanceId
  `,
  ),
  page(
    18,
    'Settings',
    `
    Settings Status Get Set Oof OofState StartTime EndTime OofMessage AppliesToInternal
    AppliesToExternalKnown AppliesToExternalUnknown Enabled ReplyMessage BodyType DevicePassword
    Password DeviceInformation Model IMEI FriendlyName OS OSLanguage PhoneNumber UserInformation
    EmailAddresses SMTPAddress UserAgent EnableOutboundSMS MobileOperator PrimarySmtpAddress
    Accounts Account AccountId AccountName UserDisplayName SendDisabled -
    RightsManagementInformation
  `,
  ),
  page(
    19,
    'DocumentLibrary',
    `
    LinkId DisplayName IsFolder CreationDate LastModifiedDate IsHidden ContentLength ContentType
  `,
  ),
  page(
    20,
    'ItemOperations',
    `
    ItemOperations Fetch Store Options Range Total Properties Data Status Response Version Schema
    Part EmptyFolderContents DeleteSubFolders UserName Password Move DstFldId ConversationId
    MoveAlways
  `,
  ),
  page(
    21,
    'ComposeMail',
    `
    SendMail SmartForward SmartReply SaveInSentItems ReplaceMime - Source FolderId ItemId LongId
    InstanceId Mime ClientId Status AccountId - Forwardees Forwardee ForwardeeName ForwardeeEmail
  `,
  ),
  page(
    22,
    'Email2',
    `
    UmCallerID UmUserNotes UmAttDuration UmAttOrder ConversationId ConversationIndex
    LastVerbExecuted LastVerbExecutionTime ReceivedAsBcc Sender CalendarType IsLeapMonth AccountId
    FirstDayOfWeek MeetingMessageType - IsDraft Bcc Send
  `,
  ),
  page(
    23,
    'Notes',
    `
    Subject MessageClass LastModifiedDate Categories Category
  `,
  ),
  page(
    24,
    'RightsManagement',
    `
    RightsManagementSupport RightsManagementTemplates RightsManagementTemplate
    RightsManagementLicense EditAllowed ReplyAllowed ReplyAllAllowed ForwardAllowed
    ModifyRecipientsAllowed ExtractAllowed PrintAllowed ExportAllowed ProgrammaticAccessAllowed
    Owner ContentExpiryDate TemplateID TemplateName TemplateDescription ContentOwner
    RemoveRightsManagementProtection
  `,
  ),
  // 16.1 Find (MS-ASCMD §2.2.1.2); 0x0F–0x10 and 0x1A–0x1F are unused.
  page(
    25,
    'Find',
    `
    Find SearchId ExecuteSearch MailBoxSearchCriterion Query Status FreeText Options Range
    DeepTraversal - - Response Result Properties Preview HasAttachments Total DisplayCc DisplayBcc
    GALSearchCriterion - - - - - - MaxPictures MaxSize Picture
  `,
  ),
];

/** Token of a tag on its page, or undefined. */
const TOKENS: ReadonlyMap<string, number>[] = CODE_PAGES.map(
  (p) => new Map(p.tags.flatMap((name, i) => (name ? [[name, i + 5] as [string, number]] : []))),
);
const PAGE_BY_NAMESPACE = new Map(CODE_PAGES.map((p) => [p.namespace.toLowerCase(), p.page]));

export function tagName(page: number, token: number): string | undefined {
  const name = CODE_PAGES[page]?.tags[token - 5];
  return name ? name : undefined;
}

export function tagToken(page: number, name: string): number | undefined {
  return TOKENS[page]?.get(name);
}

/** Page number of a namespace ("AirSync", "AirSync:" and any case). */
export function pageOf(namespace: string): number | undefined {
  return PAGE_BY_NAMESPACE.get(namespace.replace(/:$/, '').toLowerCase());
}

export function namespaceOf(page: number): string {
  const found = CODE_PAGES[page];
  if (!found) throw new RangeError(`no ActiveSync code page ${page}`);
  return found.namespace;
}
