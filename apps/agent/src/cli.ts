export const placeholder = 'apps/agent';
