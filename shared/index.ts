export * from './protocol.ts';
export * from './show.ts';
