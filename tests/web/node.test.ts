import { chromiumSkipReason } from "./browser.ts";
import { describeWebUi } from "./ui-suite.ts";

describeWebUi("node", chromiumSkipReason());
