export const placeholder = 'apps/collector';
