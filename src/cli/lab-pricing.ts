/** The prices the lab's commands use: the built-in table and the user's override file, found as every report finds it. */
import { loadPricing, type Pricing } from "../core/pricing.js";
import { pricingOverrideFile } from "./context.js";

export async function labPricing(): Promise<{ pricing: Pricing; overrideFile: string }> {
  const overrideFile = pricingOverrideFile();
  return { pricing: await loadPricing({ overrideFile }), overrideFile };
}
