// The JSON API from the pages' scripts (protocol §3): Django's CSRF token, and one request that
// answers the JSON object or throws an Error with the refusal's words, `detail` and `status`.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// `forbidden`: what to say for a 403 that carries no message of its own.
export async function api(url, { method = "GET", body, forbidden = null } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      Accept: "application/json",
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(method !== "GET" ? { "X-CSRFToken": csrfToken() } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      // not JSON: said below
    }
  }
  if (!response.ok) {
    const fallback = response.status === 403 && forbidden ? forbidden : `The server answered ${response.status}.`;
    const error = new Error(data?.message || fallback);
    error.detail = data?.detail || {};
    error.status = response.status;
    throw error;
  }
  return data;
}
