// Prints what static/js/rules.js allows, for tests/planning/test_rules_js.py to hold to the server:
//   node tests/js/rules-cells.js '{"roles": [...], "phases": [...], "offers": {rulesFor key: op}}'
// writes {"may": {op: {"role phase": bool}}, "offers": {key: {"role phase": bool}}}.
//
// `offers` is rulesFor in the most favourable case: the viewer's own item, owned by them and
// accepted; another member to change or remove; a confidence check closed for opening it and
// open for answering or closing it.

import { may, OPS, rulesFor } from "../../static/js/rules.js";

const { roles, phases, offers } = JSON.parse(process.argv[2]);
const me = 7;
const item = { id: 1, author: me, owners: [me], status: "accepted" };
const other = { id: 8, role: "member" };
const out = { may: {}, offers: {} };

for (const op of Object.keys(OPS)) {
  out.may[op] = {};
  for (const role of roles) for (const phase of phases) out.may[op][`${role} ${phase}`] = may(op, role, phase);
}

for (const key of Object.keys(offers)) out.offers[key] = {};
for (const role of roles) {
  for (const phase of phases) {
    const at = (open) => rulesFor({ me: { member: me, role }, workshop: { phase, confidence: { open } } });
    const closed = at(false);
    const opened = at(true);
    for (const key of Object.keys(offers)) {
      const rules = key === "openConfidence" ? closed : opened;
      const offer = rules[key];
      const subject = key === "changeRole" || key === "remove" ? other : item;
      out.offers[key][`${role} ${phase}`] = typeof offer === "function" ? offer(subject) : offer;
    }
  }
}

process.stdout.write(JSON.stringify(out));
