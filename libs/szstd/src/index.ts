export const placeholder = 'libs/szstd';
