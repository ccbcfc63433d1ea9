/** Nest injection token of the AnalysisService. */
export const ANALYSIS_SERVICE = Symbol('AnalysisService');
