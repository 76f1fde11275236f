/** `--pricing`, the one flag every command that prices requests takes (the file is found by core/pricing.ts userPricing). */
export const PRICING_FLAG = "--pricing <file>";
export const PRICING_HELP = "price override file (default: $QUARTET_PRICING, else pricing.json in quartet's config folder)";
