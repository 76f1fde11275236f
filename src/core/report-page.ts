/**
 * How quartet recognizes an HTML page it wrote itself: a report may replace such a page (regenerating a
 * report is the common case), never any other file (cli/report-file.ts). A page is known by how it begins,
 * byte for byte, not by a mark anywhere in it: a page of the user's that mentions quartet is still theirs.
 */
import fs from "node:fs";

const HEAD = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">';
/** Put by every renderer right after `<meta charset>`. */
export const REPORT_GENERATOR_META = '<meta name="generator" content="quartet">';
/** How each kind of page began, from the first version that wrote it (2026-11-24) until the mark. */
const EARLIER_BEGINNINGS = [
  `${HEAD}<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>quartet usage report</title>`,
  `${HEAD}<title>quartet lab: `,
];
const BEGINNINGS = [HEAD + REPORT_GENERATOR_META, ...EARLIER_BEGINNINGS];
const LONGEST = Math.max(...BEGINNINGS.map((b) => Buffer.byteLength(b)));

/** Whether this regular file is one of quartet's pages. Unreadable files are not. */
export function isQuartetPage(file: string): boolean {
  let fd: number | undefined;
  try {
    // Not blocking on a FIFO, not following a link, put there since the caller looked.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(LONGEST);
    const text = head.subarray(0, fs.readSync(fd, head, 0, LONGEST, 0)).toString("utf8");
    return BEGINNINGS.some((b) => text.startsWith(b));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
