/**
 * Feedback staff record at the till (DOMAIN.md 9): the fixed lists the till's screen offers,
 * its API checks and head office counts. Without dependencies, so the cashier UI bundles it.
 */
export const FEEDBACK_KINDS = ['complaint', 'suggestion'] as const;
export const FEEDBACK_CATEGORIES = ['service', 'product', 'price', 'points', 'store', 'suggestion', 'other'] as const;

export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export type FeedbackCategory = (typeof FEEDBACK_CATEGORIES)[number];
