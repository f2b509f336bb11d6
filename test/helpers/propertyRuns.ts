/** Cases per property: 10,000 (the reliability bar) unless FAULTLINE_PROPERTY_RUNS says fewer. */
export const NUM_RUNS = Number(process.env['FAULTLINE_PROPERTY_RUNS'] ?? 10_000);
