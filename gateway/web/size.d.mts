/** Types for size.mjs (imported by the asset test). */
export declare const BUDGET_BYTES: number;
export declare function measure(): Promise<{ js: number; css: number; total: number; budget: number }>;
