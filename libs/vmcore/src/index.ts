export const placeholder = 'libs/vmcore';
