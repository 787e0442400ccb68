export * from './fees.ts';
