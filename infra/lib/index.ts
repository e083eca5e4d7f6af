export * from './names';
export * from './environment';
export * from './location';
export * from './executor';
export * from './package';
export * from './dataset';
export * from './alerts';
export * from './nag';
