export * from './decider.ts';
export * from './money.ts';
export * from './time.ts';
