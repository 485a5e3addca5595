/** Types for build.mjs (imported by the asset test). */
export declare const OUTPUT: string;
export declare function renderAssetsModule(): Promise<string>;
