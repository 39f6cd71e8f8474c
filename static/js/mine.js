// My commitments: the return link's Copy button. Everything else on the page works without script.

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No clipboard API outside a secure context: select it and use the old command.
    input.select();
    return document.execCommand("copy");
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.querySelector(button.dataset.copy);
  const status = button.closest(".phone-card")?.querySelector(".copy-status");
  if (!input) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const done = await copy(input);
    if (status) status.textContent = done ? "Copied." : "Select the link and copy it.";
  });
}
