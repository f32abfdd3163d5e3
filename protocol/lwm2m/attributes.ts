/**
 * Notification attributes (OMA TS Core 1.1 §5.1.2, Table 5.1.2-2): the attributes a server writes with
 * Write-Attributes and a client lists in a Discover answer. The periods (pmin, pmax, epmin, epmax) are whole
 * seconds; the thresholds (gt, lt, st) apply to numeric resources and resource instances only. The read-only
 * attributes `dim` and `ver` are not among them.
 */

/** The writable notification attributes, in the order they are sent and listed. */
export const NOTIFICATION_ATTRIBUTE_NAMES = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax'] as const;

export type NotificationAttributeName = (typeof NOTIFICATION_ATTRIBUTE_NAMES)[number];

/** The attributes that are periods (OMA TS Core 1.1 §5.1.2: pmin, pmax, epmin, epmax). */
export const PERIOD_ATTRIBUTES: ReadonlySet<NotificationAttributeName> = new Set(['pmin', 'pmax', 'epmin', 'epmax']);

/** The attributes that are thresholds on a numeric value (OMA TS Core 1.1 §5.1.2: gt, lt, st). */
export const THRESHOLD_ATTRIBUTES: ReadonlySet<NotificationAttributeName> = new Set(['gt', 'lt', 'st']);

/** Attribute values in effect, as attached to a path or listed by Discover. */
export type NotificationAttributeValues = { [N in NotificationAttributeName]?: number };

/**
 * A Write-Attributes change (OMA TS Core 1.1 §6.3, Write-Attributes): a number sets the attribute, `null` unsets it (sent as the bare
 * name, e.g. `PUT /3/0/9?pmin`).
 */
export type NotificationAttributes = { [N in NotificationAttributeName]?: number | null };

/** The text of a numeric attribute value: a decimal number with optional sign, fraction and exponent. */
export const ATTRIBUTE_NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
