/**
 * Pieces both worker-queue implementations share. Private.
 *
 * @module
 */

/** The shared result of an expiry sweep that found nothing. */
export const NONE_EXPIRED: number[] = Object.freeze([]) as unknown as number[];
