/** Reported by /health on both Workers; bump with releases. */
export const TETHER_VERSION = "0.1.0";
