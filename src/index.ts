/**
 * damon-ts public API: DAMON's core (regions, sampling, aggregation, merge/split,
 * aging, moving sums, interval auto-tuning, the access-report API).
 */
export {};
