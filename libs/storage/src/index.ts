export const placeholder = 'libs/storage';
