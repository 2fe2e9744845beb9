// Package leakcheck is for tests that prove promise 1 (no plaintext
// secret at rest or in flight). Given the full numbers a test planted
// (digits only) and a blob of bytes (a database file, its WAL, a dump, a
// log, a reply, a page), it reports every place where one of them sits in
// any spelling a reader could recover:
//
//   - the digits with short runs of separators between any two of them
//     (spaces, dashes, dots, '_', NUL and other control bytes, a line
//     break, zero-width and direction marks, quoted-printable soft
//     breaks), up to MaxGap separators, a run of spaces or a CRLF
//     counting as one;
//   - any Unicode decimal digit or a character NFKC turns into one
//     (full-width, Arabic-Indic, superscript, mathematical...);
//   - digits escaped one by one: quoted-printable (=34), url-encoding
//     (%34), XML/HTML character references (&#52; &#x34;), JSON and C
//     escapes (\u0034 \x34);
//   - each of those in UTF-16 and UTF-32 of either byte order, at every
//     alignment;
//   - each of those inside base64 (every alignment, line breaks allowed),
//     inside hex (PostgreSQL's bytea output), inside RFC 2047 encoded
//     words (joined, as a number may straddle two), and inside zlib, gzip and
//     zip streams (a PDF's FlateDecode content, an XLSX or DOCX kept as an
//     attachment), nested up to maxDepth.
//
// A letter ends a run of digits: "4111 or 1111" is two runs, so that
// hexadecimal and base64 text, which a database holds a lot of, does not
// read as one long number. The masked forms ("**** **** **** 1111",
// "***-**-8350") hold at most four digits and never match.
//
// A Hit names the number by its last four digits and its index in the
// list the test gave, the spelling, and the byte offset; never the
// digits, so a failure message cannot leak what it reports.
//
// It shares no code with the guard package (the product's own second
// check) on purpose: a test that reused the guard's reading of bytes would
// be blind exactly where the guard is.
package leakcheck
