/** Claude Code's JSON-lines parser, under the name every runtime's log parser has (see ../log-parsers.ts). */
export { claudeParser as parser } from "./transcript.js";
