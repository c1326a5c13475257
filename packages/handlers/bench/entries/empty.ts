// Bench entry (bench/metrics-cold-import.mjs): nothing, the cost of importing any bundle at all.
export const nothing = undefined
