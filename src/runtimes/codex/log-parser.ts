/** Codex's JSON-lines parser, under the name every runtime's log parser has (see ../log-parsers.ts). */
export { codexParser as parser } from "./rollout.js";
