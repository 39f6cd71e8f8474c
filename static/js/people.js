// Who is here: everyone in the workshop, online first, with their role, whether they are ready
// and, while voting, how many dots they have used (never where). Leaders change roles here;
// facilitators remove people.

import { estimating, personLoad } from "./capacity.js";
import { h } from "./dom.js";
import { ROLE_LABELS } from "./format.js";
import { avatar } from "./widgets.js";

function roleRank(role) {
  return { leader: 0, facilitator: 1, member: 2, observer: 3 }[role] ?? 4;
}

export function renderPeople(ctx) {
  const { state, rules } = ctx;
  const online = new Set(state.online || []);
  const members = [...state.members].sort(
    (a, b) =>
      Number(online.has(b.id)) - Number(online.has(a.id)) ||
      roleRank(a.role) - roleRank(b.role) ||
      a.name.localeCompare(b.name),
  );
  const onlineCount = state.members.filter((member) => online.has(member.id)).length;
  const voting = state.workshop.phase === "vote";
  const showReady = state.workshop.phase !== "agreed";
  return [
    h(
      "h2",
      { id: "people-title", class: "h-small", tabindex: "-1", dataset: { focus: "people" } },
      `People (${state.members.length})`,
      h("span", { class: "muted", text: ` · ${onlineCount} online` }),
    ),
    h(
      "ul",
      { class: "people-list" },
      members.map((member) => {
        const isOnline = online.has(member.id);
        const you = member.id === state.me.member;
        const controls = [];
        if (rules.changeRole(member)) {
          controls.push(
            h(
              "select",
              {
                class: "role-select",
                "aria-label": `Role of ${member.name}`,
                dataset: { action: "member.role", member: member.id, focus: `member:${member.id}:role` },
              },
              ["facilitator", "member", "observer"].map((role) =>
                h("option", { value: role, selected: role === member.role, text: ROLE_LABELS[role] }),
              ),
            ),
          );
        }
        if (rules.remove(member)) {
          controls.push(
            h("button", {
              type: "button",
              class: "small danger-text",
              "aria-label": `Remove ${member.name} from the workshop`,
              dataset: { action: "member.remove", member: member.id, focus: `member:${member.id}:remove` },
              text: "Remove",
            }),
          );
        }
        return h(
          "li",
          { class: ["person", isOnline ? "is-online" : "is-away"], dataset: { memberId: member.id } },
          h(
            "div",
            { class: "person-line" },
            h(
              "span",
              { class: "person-avatar" },
              avatar(member.id, member.name),
              h("span", { class: "presence", "aria-hidden": "true" }),
            ),
            h("span", { class: "person-name", text: member.name }),
            you ? h("span", { class: "muted", text: " (you)" }) : null,
            // Their share of the accepted items' estimates (protocol §10; capacity.js).
            estimating(state.workshop) ? personLoad(member.id, ctx.loads, ctx.share) : null,
          ),
          h(
            "div",
            { class: "person-status" },
            rules.changeRole(member)
              ? null
              : h("span", { class: "person-role", text: ROLE_LABELS[member.role] || member.role }),
            h("span", { class: "presence-text", text: isOnline ? "online" : "away" }),
            showReady && member.ready ? h("span", { class: "ready", text: "ready" }) : null,
            voting && member.role !== "observer"
              ? h("span", {
                  class: "dots-used",
                  text: `${member.used || 0} of ${state.workshop.votes_per_member} dots used`,
                })
              : null,
          ),
          controls.length ? h("div", { class: "person-controls" }, controls) : null,
        );
      }),
    ),
  ];
}
