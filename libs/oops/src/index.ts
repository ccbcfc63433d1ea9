export const placeholder = 'libs/oops';
