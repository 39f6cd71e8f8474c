// The server's forms (sign up, log in, post a goal, join) show every error at once after a
// POST (they are `novalidate`, so the browser does not stop at the first one). This puts the
// focus on the first field that needs fixing; when the only error is about the form as a whole
// (a wrong password, say), on the form's first field.

const invalid = document.querySelector('main form [aria-invalid="true"]');
const refused = document.querySelector("main form .errors")?.closest("form");
const target = invalid ?? refused?.querySelector("input:not([type=hidden]):not([disabled]), textarea, select");
target?.focus();
