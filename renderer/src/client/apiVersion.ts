/**
 * The API version this UI speaks. A copy of shared/protocol.ts's API_VERSION so the browser bundle
 * does not carry zod (the renderer only imports protocol types); a test keeps the two equal.
 */
export const UI_API_VERSION = 1;
