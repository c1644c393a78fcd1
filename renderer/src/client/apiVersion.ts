/**
 * The API version this UI speaks. A copy of shared/protocol.ts's API_VERSION so the browser bundle
 * does not carry zod (the renderer only imports protocol types); a test keeps the two equal.
 */
export const UI_API_VERSION = 1;

/**
 * The largest request the engine's API server takes (ApiServer.ts MAX_BODY_BYTES), copied for the
 * same reason; a test keeps them equal. A bigger WebSocket message would close the desk's socket.
 */
export const UI_MAX_REQUEST_BYTES = 1 << 20;
